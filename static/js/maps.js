/* Maps of the portal. Each map is a <div data-map="..."> whose data attributes say
   what to show; Leaflet comes from django-leaflet's bundled copy. */
(function () {
  "use strict";

  function baseMap(el) {
    var center = (el.dataset.center || "21.5942,105.8482").split(",").map(Number);
    var map = L.map(el, { scrollWheelZoom: false }).setView(center, Number(el.dataset.zoom || 12));
    L.tileLayer(el.dataset.tiles, {
      attribution: el.dataset.attribution || "",
      maxZoom: 19
    }).addTo(map);
    return map;
  }

  // A pin drawn in CSS: Leaflet's own marker images cannot be found once static
  // files carry hashed names.
  var pin = L.divIcon({ className: "map-pin", html: "<span></span>", iconSize: [26, 26], iconAnchor: [13, 26] });

  function pointMap(el) {
    var map = baseMap(el);
    var here = [Number(el.dataset.lat), Number(el.dataset.lng)];
    map.setView(here, Number(el.dataset.zoom || 16));
    L.marker(here, { keyboard: false, icon: pin }).addTo(map);
  }

  function reportsMap(el) {
    var map = baseMap(el);
    var layer = L.layerGroup().addTo(map);
    var pending = null;

    function load() {
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var b = map.getBounds();
      var bbox = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]
        .map(function (n) { return n.toFixed(5); }).join(",");
      var url = el.dataset.source + (el.dataset.source.indexOf("?") < 0 ? "?" : "&") + "bbox=" + bbox;
      fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { reports: [] }; })
        .then(function (data) {
          layer.clearLayers();
          data.reports.forEach(function (r) {
            var link = document.createElement("a");
            link.href = r.url;
            link.textContent = r.title;
            var box = document.createElement("div");
            box.appendChild(link);
            var meta = document.createElement("p");
            meta.textContent = r.category + " · " + r.state_label;
            box.appendChild(meta);
            L.circleMarker([r.lat, r.lng], {
              radius: 7, weight: 2, className: "marker-" + r.state
            }).bindPopup(box).addTo(layer);
          });
        })
        .catch(function () {});
    }
    map.on("moveend", load);
    load();
  }

  window.PortalMap = { base: baseMap, pin: pin };
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-map]").forEach(function (el) {
      if (el.dataset.map === "point") { pointMap(el); }
      if (el.dataset.map === "reports") { reportsMap(el); }
    });
  });
})();
