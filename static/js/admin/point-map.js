/* Read-only admin maps (agencies/admin_maps.py): each .admin-point-map carries its point and the raster proxy (if any) in
 * data attributes; a classic script because the admin loads its media as plain scripts. */
(function () {
  "use strict";
  function draw(node) {
    if (node.dataset.drawn || typeof L === "undefined") return;
    node.dataset.drawn = "1";
    const lat = parseFloat(node.dataset.lat), lon = parseFloat(node.dataset.lon);
    if (!isFinite(lat) || !isFinite(lon)) return;
    const map = L.map(node, { scrollWheelZoom: false }).setView([lat, lon], 15);
    // the platform's own basemap (static/js/lib/basemap.js), with the raster proxy over it when configured
    if (window.Basemap) window.Basemap.attach(map, { raster: node.dataset.tiles || null });
    L.circleMarker([lat, lon], { radius: 8, color: "#b91c1c", weight: 3, fillOpacity: 0.6 }).addTo(map);
  }
  function all() { document.querySelectorAll(".admin-point-map").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
})();
