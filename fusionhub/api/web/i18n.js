// The page's words in Chinese (the default) and English. Names of the hub's codes (statuses,
// sources, categories...) come from the API (GET /v1/console "labels"), so the page and the
// exports say the same.

const STRINGS = {
  "zh-CN": {
    "app.title": "社会治理指挥中心",
    "login.hint": "输入本指挥中心的令牌。令牌只保存在本标签页中。",
    "login.token": "令牌",
    "login.submit": "登录",
    "login.logout": "退出",
    "login.wrong": "令牌无效",
    "login.unreachable": "无法连接服务",
    "tab.board": "案件看板",
    "tab.reports": "统计报表",
    "live.on": "实时",
    "live.off": "实时连接中断",
    "live.waiting": "等待实时数据",
    "filter.search": "案件编号、报告编号或内容",
    "filter.apply": "查询",
    "filter.all_townships": "全部乡镇(街道)",
    "filter.all_categories": "全部类别",
    "filter.all_platforms": "全部平台",
    "filter.all_sources": "全部来源",
    "export.csv": "导出 CSV",
    "export.xlsx": "导出 Excel",
    "export.failed": "导出失败：{error}",
    "board.priority": "优先级",
    "board.sla": "时限",
    "board.matter": "事项",
    "board.township": "乡镇(街道)",
    "board.category": "类别",
    "board.sources": "来源",
    "board.status": "状态",
    "board.reports": "报告",
    "board.open_total": "在办 {count} 件",
    "board.shown": "显示 {shown} / {total} 件",
    "board.all_statuses": "全部",
    "board.escalated": "已上报县级",
    "board.overdue": "超期",
    "board.empty": "没有符合条件的在办案件",
    "sla.left": "剩 {time}",
    "sla.over": "超期 {time}",
    "time.days": "{n}天",
    "time.hours": "{n}小时",
    "time.minutes": "{n}分",
    "detail.empty": "在看板或地图上选择一个案件。",
    "detail.loading": "加载中…",
    "detail.gone": "该案件不存在或不在本中心范围内",
    "detail.reports": "报告 ({count})",
    "detail.history": "办理记录",
    "detail.why": "关联依据",
    "detail.opened_case": "首报，立案",
    "detail.split_in": "由拆分转入",
    "detail.total": "总分 {total}（阈值 {threshold}）",
    "detail.veto": "否决：{veto}",
    "detail.department": "承办部门",
    "detail.evaluation": "评价",
    "detail.deadline": "办理时限",
    "detail.opened": "受理时间",
    "detail.level": "层级",
    "detail.repeat_of": "重复投诉于",
    "detail.merged_into": "已并入",
    "detail.parties": "当事人",
    "detail.place": "地点",
    "detail.not_stored": "报告尚未入库",
    "level.township": "乡镇",
    "level.county": "县级",
    "signal.ref": "引用编号",
    "signal.person": "同一人",
    "signal.distance": "距离",
    "signal.place": "同村",
    "signal.address": "地址",
    "signal.time": "时间",
    "signal.category": "类别",
    "signal.text": "文本相似",
    "action.accept": "受理",
    "action.dispatch": "派遣",
    "action.progress": "处置进展",
    "action.resolve": "办结",
    "action.close": "评价结案",
    "action.reopen": "重办",
    "action.escalate": "上报县级",
    "action.merge": "合并",
    "action.split": "拆分",
    "action.send": "提交",
    "action.cancel": "取消",
    "action.department": "承办部门",
    "action.note": "说明",
    "action.evaluation": "群众评价",
    "action.into": "并入案件编号",
    "action.refs": "拆出的报告",
    "action.sending": "已提交，等待处理…",
    "action.applied": "已生效：{action}",
    "action.refused": "被拒绝：{reason}",
    "action.pending": "已提交，尚未生效（编号 {id}）",
    "action.failed": "提交失败：{reason}",
    "role.appellant": "诉求人",
    "role.reporter": "报告人",
    "role.caller": "来电人",
    "role.respondent": "被反映人",
    "report.from": "开始",
    "report.to": "结束",
    "report.per_day": "每日案件（按来源）",
    "report.overdue_rate": "超期率",
    "report.median_resolve": "办结时长中位数（小时）",
    "report.repeats": "重复投诉",
    "report.table": "分乡镇统计",
    "report.cases": "案件",
    "report.overdue": "超期",
    "report.resolved": "办结",
    "report.total": "合计",
    "report.none": "该时段没有案件",
    "report.no_township": "未定位乡镇",
    "map.approximate": "乡镇轮廓依据报告位置估计",
    "map.legend": "优先级",
  },
  en: {
    "app.title": "Command Centre",
    "login.hint": "Enter your command centre's token. It is kept in this tab only.",
    "login.token": "Token",
    "login.submit": "Sign in",
    "login.logout": "Sign out",
    "login.wrong": "Unknown token",
    "login.unreachable": "Cannot reach the hub",
    "tab.board": "Board",
    "tab.reports": "Reports",
    "live.on": "Live",
    "live.off": "Live feed interrupted",
    "live.waiting": "Waiting for the live feed",
    "filter.search": "Case id, report ref or words",
    "filter.apply": "Search",
    "filter.all_townships": "All townships",
    "filter.all_categories": "All categories",
    "filter.all_platforms": "All platforms",
    "filter.all_sources": "All sources",
    "export.csv": "Export CSV",
    "export.xlsx": "Export Excel",
    "export.failed": "Export failed: {error}",
    "board.priority": "Priority",
    "board.sla": "Deadline",
    "board.matter": "Matter",
    "board.township": "Township",
    "board.category": "Category",
    "board.sources": "Sources",
    "board.status": "Status",
    "board.reports": "Reports",
    "board.open_total": "{count} open",
    "board.shown": "showing {shown} of {total}",
    "board.all_statuses": "All",
    "board.escalated": "Escalated to county",
    "board.overdue": "Overdue",
    "board.empty": "No open case matches",
    "sla.left": "{time} left",
    "sla.over": "{time} overdue",
    "time.days": "{n}d",
    "time.hours": "{n}h",
    "time.minutes": "{n}m",
    "detail.empty": "Choose a case on the board or the map.",
    "detail.loading": "Loading…",
    "detail.gone": "No such case within this centre's reach",
    "detail.reports": "Reports ({count})",
    "detail.history": "History",
    "detail.why": "Why it joined",
    "detail.opened_case": "First report: opened the case",
    "detail.split_in": "Moved in by a split",
    "detail.total": "Score {total} (threshold {threshold})",
    "detail.veto": "Vetoed: {veto}",
    "detail.department": "Department",
    "detail.evaluation": "Evaluation",
    "detail.deadline": "Deadline",
    "detail.opened": "Opened",
    "detail.level": "Level",
    "detail.repeat_of": "Repeat of",
    "detail.merged_into": "Merged into",
    "detail.parties": "Parties",
    "detail.place": "Place",
    "detail.not_stored": "Report not stored yet",
    "level.township": "Township",
    "level.county": "County",
    "signal.ref": "Quoted ref",
    "signal.person": "Same person",
    "signal.distance": "Distance",
    "signal.place": "Same village",
    "signal.address": "Address",
    "signal.time": "Time",
    "signal.category": "Category",
    "signal.text": "Similar text",
    "action.accept": "Accept",
    "action.dispatch": "Dispatch",
    "action.progress": "Progress note",
    "action.resolve": "Resolve",
    "action.close": "Close with evaluation",
    "action.reopen": "Reopen",
    "action.escalate": "Escalate to county",
    "action.merge": "Merge",
    "action.split": "Split",
    "action.send": "Send",
    "action.cancel": "Cancel",
    "action.department": "Department",
    "action.note": "Note",
    "action.evaluation": "Citizen's evaluation",
    "action.into": "Merge into case",
    "action.refs": "Reports to split out",
    "action.sending": "Sent, waiting for the hub…",
    "action.applied": "Applied: {action}",
    "action.refused": "Refused: {reason}",
    "action.pending": "Sent, not applied yet (command {id})",
    "action.failed": "Not sent: {reason}",
    "role.appellant": "Appellant",
    "role.reporter": "Reporter",
    "role.caller": "Caller",
    "role.respondent": "Respondent",
    "report.from": "From",
    "report.to": "To",
    "report.per_day": "Cases per day by source",
    "report.overdue_rate": "Overdue rate",
    "report.median_resolve": "Median hours to resolve",
    "report.repeats": "Repeat complaints",
    "report.table": "By township",
    "report.cases": "Cases",
    "report.overdue": "Overdue",
    "report.resolved": "Resolved",
    "report.total": "Total",
    "report.none": "No cases in this period",
    "report.no_township": "No township",
    "map.approximate": "Township outlines estimated from report locations",
    "map.legend": "Priority",
  },
};

const LANGUAGE_KEY = "fusionhub.language";
let language = localStorage.getItem(LANGUAGE_KEY) === "en" ? "en" : "zh-CN";
let labels = {};

export function getLanguage() {
  return language;
}

export function setLanguage(chosen) {
  language = chosen === "en" ? "en" : "zh-CN";
  localStorage.setItem(LANGUAGE_KEY, language);
  document.documentElement.lang = language;
}

export function t(key, vars = {}) {
  const text = STRINGS[language][key] ?? STRINGS["zh-CN"][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : ""));
}

export function applyStatic(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  document.title = `fusionhub · ${t("app.title")}`;
}

export function setLabels(given) {
  labels = given || {};
}

export function label(kind, code) {
  const names = labels[kind]?.[String(code)];
  if (!names) return code === null || code === undefined ? "" : String(code);
  return names[language] || names["zh-CN"];
}

const TIME_FORMATS = {};

export function formatTime(iso, withYear = false) {
  if (!iso) return "";
  const key = `${language}:${withYear}`;
  TIME_FORMATS[key] ??= new Intl.DateTimeFormat(language, {
    timeZone: "Asia/Shanghai",
    year: withYear ? "numeric" : undefined,
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
  return TIME_FORMATS[key].format(new Date(iso));
}

export function formatSpan(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return t("time.days", { n: days }) + t("time.hours", { n: hours });
  if (hours > 0) return t("time.hours", { n: hours }) + t("time.minutes", { n: minutes % 60 });
  return t("time.minutes", { n: minutes % 60 });
}

export function countdown(deadline, now = Date.now()) {
  const left = new Date(deadline).getTime() - now;
  return { overdue: left < 0, text: t(left < 0 ? "sla.over" : "sla.left", { time: formatSpan(left) }) };
}
