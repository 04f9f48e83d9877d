// The directory map (/annuaire/carte): Leaflet markers from the page's GeoJSON; the list
// beside the map stays the accessible view (and the only one when Leaflet is missing).
(function () {
  "use strict";
  var element = document.getElementById("carte");
  if (!element || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  element.style.height = "28rem"; // set here: the page's policy forbids inline style attributes
  var map = L.map(element, { scrollWheelZoom: false }).setView([45.76, 4.86], 11);
  // No "Leaflet" link prefix: a link inside the attribution text, told apart by colour only.
  map.attributionControl.setPrefix(false);
  L.tileLayer(element.dataset.tiles, {
    attribution: element.dataset.attribution,
    maxZoom: 18,
  }).addTo(map);
  fetch(element.dataset.points, { credentials: "same-origin" })
    .then(function (response) {
      return response.json();
    })
    .then(function (collection) {
      var bounds = [];
      collection.features.forEach(function (feature) {
        var lon = feature.geometry.coordinates[0];
        var lat = feature.geometry.coordinates[1];
        var p = feature.properties;
        var marker = L.marker([lat, lon], {
          title: p.name,
          alt: p.name,
          keyboard: false,
        }).addTo(map);
        var popup = document.createElement("div");
        var name = document.createElement("strong");
        name.textContent = p.name;
        popup.appendChild(name);
        popup.appendChild(document.createElement("br"));
        popup.appendChild(document.createTextNode(p.label + " — " + p.city));
        marker.bindPopup(popup);
        marker.getElement().dataset.feature = p.id;
        bounds.push([lat, lon]);
      });
      element.dataset.markers = String(bounds.length);
      if (bounds.length) {
        map.fitBounds(bounds, { padding: [20, 20], maxZoom: 14 });
      }
    });
})();
