/* The report form on a phone: place from GPS, a tap on the map, or a photo's EXIF;
   photo count check; one submission only, whatever the number of taps. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (!form) { return; }
    var mapEl = document.getElementById("pick-map");
    var lat = document.getElementById("id_latitude");
    var lng = document.getElementById("id_longitude");
    var status = document.getElementById("location-status");
    var map = window.PortalMap.base(mapEl);
    var marker = null;

    function place(latitude, longitude, message, zoom) {
      lat.value = latitude.toFixed(6);
      lng.value = longitude.toFixed(6);
      var here = [latitude, longitude];
      if (marker) { marker.setLatLng(here); } else { marker = L.marker(here, { icon: window.PortalMap.pin }).addTo(map); }
      map.setView(here, Math.max(map.getZoom(), zoom || 16));
      status.textContent = message;
    }

    if (lat.value && lng.value && !isNaN(Number(lat.value))) {
      place(Number(lat.value), Number(lng.value), "", 16);
    }

    map.on("click", function (event) {
      place(event.latlng.lat, event.latlng.lng, mapEl.dataset.msgPicked, map.getZoom());
    });

    document.getElementById("use-my-location").addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = mapEl.dataset.msgDenied; return; }
      navigator.geolocation.getCurrentPosition(
        function (pos) { place(pos.coords.latitude, pos.coords.longitude, mapEl.dataset.msgLocated); },
        function () { status.textContent = mapEl.dataset.msgDenied; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });

    // Phones often strip GPS from a picked photo; when it is there, use it, but
    // never override a place the citizen already chose. A photo taken outside the
    // province (the server refuses such places) would throw the map far away.
    var bounds = (mapEl.dataset.bounds || "").split(",").map(Number);
    function inProvince(latitude, longitude) {
      if (bounds.length !== 4 || bounds.some(isNaN)) { return true; }
      return latitude >= bounds[0] && longitude >= bounds[1] &&
        latitude <= bounds[2] && longitude <= bounds[3];
    }
    var photos = document.getElementById("id_photos");
    photos.addEventListener("change", function () {
      if (lat.value || !window.exifr || !photos.files.length) { return; }
      window.exifr.gps(photos.files[0]).then(function (gps) {
        if (gps && isFinite(gps.latitude) && isFinite(gps.longitude) && !lat.value) {
          if (inProvince(gps.latitude, gps.longitude)) {
            place(gps.latitude, gps.longitude, mapEl.dataset.msgPhoto);
          } else {
            status.textContent = mapEl.dataset.msgPhotoOutside;
          }
        }
      }).catch(function () {});
    });

    var button = document.getElementById("submit-report");
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      button.setAttribute("aria-disabled", "true");
      button.textContent = button.dataset.sending;
    });
    // Coming back with the browser's back button must allow sending again.
    window.addEventListener("pageshow", function () { delete form.dataset.sent; });
  });
})();
