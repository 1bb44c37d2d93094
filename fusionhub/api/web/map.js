// The map of the centre's jurisdiction: county and township outlines, and the open cases as
// markers coloured by priority, clustered when dense. Without a tile server it draws on a
// plain background; a tile URL from the hub's settings adds a base map.

import { el } from "./dom.js";
import { label, t } from "./i18n.js";

export class CaseMap {
  constructor(container, config, onSelect) {
    this.onSelect = onSelect;
    this.markers = new Map();
    // Without tiles nothing else tells the map how far it zooms (the clusters need to know).
    const maxZoom = config.tiles ? config.tiles.max_zoom : 18;
    this.map = L.map(container, { zoomControl: true, maxZoom, minZoom: 5, attributionControl: Boolean(config.tiles) });
    if (config.tiles) {
      L.tileLayer(config.tiles.url, {
        attribution: config.tiles.attribution || "",
        maxZoom: config.tiles.max_zoom,
      }).addTo(this.map);
    } else {
      container.classList.add("no-basemap");
    }
    this.outlines = L.layerGroup().addTo(this.map);
    this.cluster = L.markerClusterGroup({
      maxClusterRadius: 40,
      showCoverageOnHover: false,
      iconCreateFunction: (group) => this.clusterIcon(group),
    }).addTo(this.map);
    this.map.setView([29.2, 120.2], 8);
    this.legend();
  }

  clusterIcon(group) {
    const children = group.getAllChildMarkers();
    const best = Math.min(...children.map((marker) => marker.options.priority));
    const count = el("span", { text: children.length });
    return L.divIcon({ html: el("div", {}, count), className: `case-cluster p${best}`, iconSize: [36, 36] });
  }

  showOutlines(collection) {
    this.outlines.clearLayers();
    const layer = L.geoJSON(collection, {
      style: (feature) =>
        feature.properties.level === "county"
          ? { className: "outline county", weight: 2, fill: false }
          : { className: "outline township", weight: 1, fillOpacity: 0.04, dashArray: feature.properties.approximate ? "4 4" : null },
      onEachFeature: (feature, shape) => {
        const name = feature.properties.name || feature.properties.code;
        if (feature.properties.level === "township") {
          shape.bindTooltip(el("span", { text: name }), { sticky: true, className: "outline-label" });
        }
      },
    });
    this.outlines.addLayer(layer);
    const bounds = layer.getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [12, 12] });
    this.approximate = collection.features.some((f) => f.properties.approximate);
    this.legend();
  }

  legend() {
    const box = document.getElementById("map-legend");
    const items = [
      el("span", { text: t("map.legend") }),
      ...[1, 2, 3, 4].map((p) => el("span", { class: `legend-item p${p}`, text: label("priority", p) })),
    ];
    if (this.approximate) items.push(el("span", { class: "legend-note", text: t("map.approximate") }));
    box.replaceChildren(...items);
  }

  // Markers follow the board's cases: added, recoloured in place, moved, removed. A marker leaves
  // the cluster only when its case leaves the board or moves: one taken out while the map zooms
  // to it needs the guard at the end of this file.
  update(cases) {
    const seen = new Set();
    const added = [];
    const gone = [];
    for (const item of cases) {
      if (item.lon === null || item.lat === null) continue;
      seen.add(item.case_id);
      const held = this.markers.get(item.case_id);
      if (held && !held.getLatLng().equals([item.lat, item.lon])) {
        gone.push(held);
      } else if (held) {
        this.restyle(held, item);
        continue;
      }
      const marker = this.marker(item);
      this.markers.set(item.case_id, marker);
      added.push(marker);
    }
    for (const [caseId, marker] of this.markers) {
      if (!seen.has(caseId)) {
        gone.push(marker);
        this.markers.delete(caseId);
      }
    }
    if (gone.length) this.cluster.removeLayers(gone);
    if (added.length) this.cluster.addLayers(added);
  }

  marker(item) {
    const marker = L.marker([item.lat, item.lon], {
      icon: this.icon(item),
      keyboard: true,
      title: item.case_id,
      priority: item.priority,
      status: item.status,
    });
    marker.caseId = item.case_id;
    marker.headline = item.headline || item.case_id;
    marker.bindTooltip(el("span", { text: marker.headline }), {
      direction: "top",
      offset: [0, -8],
      className: "case-tooltip",
    });
    marker.on("click", () => this.onSelect(item.case_id));
    return marker;
  }

  icon(item) {
    return L.divIcon({ className: `case-marker p${item.priority} st-${item.status}`, iconSize: [16, 16] });
  }

  restyle(marker, item) {
    const headline = item.headline || item.case_id;
    if (marker.headline !== headline) {
      marker.headline = headline;
      marker.setTooltipContent(el("span", { text: headline }));
    }
    if (marker.options.priority === item.priority && marker.options.status === item.status) return;
    marker.options.priority = item.priority;
    marker.options.status = item.status;
    marker.setIcon(this.icon(item));
    // The cluster's colour is its most urgent member's.
    this.cluster.refreshClusters(marker);
  }

  focus(caseId) {
    const marker = this.markers.get(caseId);
    if (!marker) return;
    this.cluster.zoomToShowLayer(marker, () => marker.openTooltip());
  }

  has(caseId) {
    return this.markers.has(caseId);
  }

  resize() {
    this.map.invalidateSize();
  }
}

// markercluster's zoomToShowLayer waits for the map's next "moveend" and then asks
// map.hasLayer(marker.__parent); a marker taken out of the cluster meanwhile has no parent, and
// Leaflet 1.9 throws on hasLayer(undefined) (Leaflet.markercluster issues #405 and #620 are of
// the same family). An absent layer is simply not on the map.
const hasLayer = L.Map.prototype.hasLayer;
L.Map.prototype.hasLayer = function hasLayerOrNothing(layer) {
  return Boolean(layer) && hasLayer.call(this, layer);
};
