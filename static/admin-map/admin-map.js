/* Admin maps over plain latitude/longitude fields, started from data attributes.
 *
 * .admin-map--view  shows one point (data-lat, data-lng), read-only.
 * .admin-map--pick  edits a latitude input (data-lat-input, or data-lat-name)
 *                   and a longitude input (data-lng-name) of the same form.
 * Both read the tile server from data-tiles-url and data-tiles-attribution.
 * No inline script: the site's Content-Security-Policy forbids them.
 */
(function () {
  "use strict";

  var DECIMALS = 6;

  function number(value) {
    var parsed = parseFloat(String(value || "").replace(",", "."));
    return isFinite(parsed) ? parsed : null;
  }

  // A pin drawn in CSS: Leaflet's own marker images cannot be found once static
  // files carry hashed names.
  function pin() {
    return L.divIcon({ className: "map-pin", html: "<span></span>", iconSize: [26, 26], iconAnchor: [13, 26] });
  }

  function baseMap(element, options) {
    var map = L.map(element, options || {});
    L.tileLayer(element.dataset.tilesUrl, {
      attribution: element.dataset.tilesAttribution || "",
      maxZoom: number(element.dataset.maxZoom) || 19,
    }).addTo(map);
    return map;
  }

  function startView(element) {
    var lat = number(element.dataset.lat);
    var lng = number(element.dataset.lng);
    if (lat === null || lng === null) {
      return;
    }
    var map = baseMap(element, { scrollWheelZoom: false });
    map.setView([lat, lng], number(element.dataset.zoom) || 16);
    L.marker([lat, lng], { keyboard: false, icon: pin() }).addTo(map);
  }

  function findInput(form, id, name) {
    if (id) {
      var byId = document.getElementById(id);
      if (byId) {
        return byId;
      }
    }
    return form ? form.elements.namedItem(name) : null;
  }

  function startPicker(element) {
    var form = element.closest("form");
    var latInput = findInput(form, element.dataset.latInput, element.dataset.latName);
    var lngInput = findInput(form, "", element.dataset.lngName);
    if (!latInput || !lngInput) {
      return;
    }
    var map = baseMap(element, { scrollWheelZoom: false });
    var marker = null;

    function place(lat, lng) {
      if (marker) {
        marker.setLatLng([lat, lng]);
      } else {
        marker = L.marker([lat, lng], { draggable: true, icon: pin() }).addTo(map);
        marker.on("dragend", function () {
          var at = marker.getLatLng();
          write(at.lat, at.lng);
        });
      }
    }

    function write(lat, lng) {
      latInput.value = lat.toFixed(DECIMALS);
      lngInput.value = lng.toFixed(DECIMALS);
      latInput.dispatchEvent(new Event("change", { bubbles: true }));
      lngInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function readInputs() {
      var lat = number(latInput.value);
      var lng = number(lngInput.value);
      if (lat === null || lng === null) {
        return null;
      }
      return [lat, lng];
    }

    var start = readInputs();
    if (start) {
      map.setView(start, number(element.dataset.zoom) || 16);
      place(start[0], start[1]);
    } else {
      map.setView(
        [number(element.dataset.defaultLat), number(element.dataset.defaultLng)],
        number(element.dataset.defaultZoom) || 10
      );
    }

    map.on("click", function (event) {
      place(event.latlng.lat, event.latlng.lng);
      write(event.latlng.lat, event.latlng.lng);
    });

    function follow() {
      var typed = readInputs();
      if (typed) {
        place(typed[0], typed[1]);
        map.panTo(typed);
      }
    }
    latInput.addEventListener("input", follow);
    lngInput.addEventListener("input", follow);
  }

  function start() {
    if (typeof L === "undefined") {
      return;
    }
    document.querySelectorAll(".admin-map--view").forEach(startView);
    document.querySelectorAll(".admin-map--pick").forEach(startPicker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
