"""Paraphrase variety: openers, word order, synonyms and the typos of Chinese pinyin input.

Every function draws only from the generator's random source, so wording is seeded like the rest.
The typo table holds homophone and near-form slips that are common in pinyin and handwriting
input (拉圾 for 垃圾, 反应 for 反映, 阴井 for 窨井); the synonyms are everyday alternatives
a caller, a grid worker or an operator may use for the same fact.
"""

from __future__ import annotations

import random

SYNONYMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("工资", ("工钱", "薪水", "血汗钱")),
    ("拖欠", ("克扣", "欠着", "一直不给")),
    ("刺鼻", ("呛人", "难闻", "冲鼻子")),
    ("污水", ("脏水", "废水")),
    ("废气", ("臭气", "黑烟")),
    ("垃圾", ("垃圾杂物", "生活垃圾")),
    ("噪音", ("噪声", "吵闹声")),
    ("大坑", ("深坑", "坑洞")),
    ("塌陷", ("下陷", "凹陷")),
    ("邻居", ("隔壁邻居", "邻居家")),
    ("老板", ("老板娘", "负责人", "老板们")),
    ("很大", ("特别大", "非常大")),
    ("马上", ("立即", "赶紧")),
    ("发臭", ("发出臭味", "臭烘烘")),
)
TYPOS: tuple[tuple[str, str], ...] = (
    ("垃圾", "拉圾"),
    ("窨井", "阴井"),
    ("噪音", "燥音"),
    ("已经", "以经"),
    ("拖欠", "托欠"),
    ("反映", "反应"),
    ("安装", "按装"),
    ("部分", "部份"),
    ("一直", "一值"),
    ("刺鼻", "刺臭"),
    ("再次", "在次"),
)
HOTLINE_OPENERS = (
    "来电人反映：",
    "市民来电反映：",
    "来电人称：",
    "群众反映：",
    "市民来电称，",
    "来电反映，",
    "有群众来电，",
)
REPEAT_OPENERS = ("来电人再次反映：", "此前已反映过，", "同一来电人催办：", "来电人第二次来电：")
ASKS = (
    "希望相关部门尽快处理。",
    "请求派人处理。",
    "要求尽快解决。",
    "请核实处理。",
    "请有关部门来看一下。",
    "希望给个说法。",
    "已经好几天了，请尽快处理。",
    "",
)


def vary(rng: random.Random, text: str, *, synonym_rate: float, typo_rate: float) -> str:
    """``text`` with some words swapped for synonyms and, now and then, one input-method slip."""
    for word, options in SYNONYMS:
        if word in text and rng.random() < synonym_rate:
            text = text.replace(word, rng.choice(options), 1)
    if rng.random() < typo_rate:
        slips = [(right, wrong) for right, wrong in TYPOS if right in text]
        if slips:
            right, wrong = rng.choice(slips)
            text = text.replace(right, wrong, 1)
    return text


def hotline_sentence(rng: random.Random, where: str, fact: str, *, repeat: bool) -> str:
    """An operator's summary of a call: opener, place and fact in one of several word orders."""
    opener = rng.choice(REPEAT_OPENERS if repeat else HOTLINE_OPENERS)
    ask = rng.choice(ASKS)
    order = rng.random()
    if not where:
        body = fact
    elif order < 0.55:
        body = f"{where}{fact}"
    elif order < 0.8:
        body = f"{fact}，地点在{where}"
    else:
        body = f"在{where}附近，{fact}"
    return f"{opener}{body}，{ask}" if ask else f"{opener}{body}。"
