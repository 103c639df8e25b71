/* The basemap every Leaflet map draws: the platform's own vector tiles (/tiles/base/{z}/{x}/{y}.mvt, roads, rivers,
 * boundaries and place names from PostGIS — agencies/tiles.py) painted by protomaps-leaflet (static/vendor), and,
 * when the centre configured a raster upstream (TILE_UPSTREAM), the same-origin raster proxy over it. Nothing is
 * asked of another host, so the map is never a grey square when the internet is down.
 *
 * A classic script (the admin loads media as plain scripts): it sets window.Basemap.
 *   Basemap.attach(map, { base, raster: url|null, attribution, visible: true }) → { setVisible(on), vector, raster }
 * (the pages pass agencies.tiles.map_tiles() as cfg.tiles, plus `visible` where a "peta jalan" switch exists)
 * and draws itself on every django-leaflet map (admin geometry widgets) through their "map:init" event.
 */
(function () {
  "use strict";
  if (window.Basemap) return;  // loaded once per page (django-leaflet may include it with its form widgets too)
  var BASE_URL = "/tiles/base/{z}/{x}/{y}.mvt";
  // what the admin's maps say (the consoles get the words for the data actually loaded from agencies.tiles.map_tiles)
  var ATTRIBUTION = "&copy; OpenStreetMap (ODbL) · Kemendagri";

  var C = {
    land: "#f1ede4",
    boundary: "#8f86b8", boundaryLight: "#b9b3d6",
    water: "#9cc3e4", waterLabel: "#2d5f8b",
    major: "#f6b26b", majorCase: "#c47f35",
    medium: "#fde9a9", mediumCase: "#c3ae6e",
    minor: "#ffffff", minorCase: "#b3ab9c",
    path: "#a59f94", bridgeCase: "#5b5348",
    text: "#2b2b2b", halo: "#ffffff", landmark: "#8a3b12",
  };

  function P() { return window.protomapsL; }
  function is(cls) { return function (z, f) { return f.props["class"] === cls; }; }
  function isBridge(cls) { return function (z, f) { return f.props["class"] === cls && !!f.props.bridge; }; }
  function level(lv) { return function (z, f) { return f.props.level === lv; }; }
  function kind(k) { return function (z, f) { return f.props.kind === k; }; }
  // widths grow with zoom (display zoom; data tiles are one zoom lower and 512 px)
  function w(stops) { return P().exp(1.6, stops); }

  function paintRules() {
    var p = P();
    var major = w([[8, 1.2], [12, 3.5], [15, 9], [18, 22]]);
    var medium = w([[10, 1], [13, 3], [15, 7], [18, 18]]);
    var minor = w([[12, 0.6], [14, 2.4], [16, 6], [18, 14]]);
    function casing(f, extra) { return function (z) { return f(z) + extra; }; }
    return [
      { dataLayer: "boundaries", filter: level("village"), minzoom: 13,
        symbolizer: new p.LineSymbolizer({ color: C.boundaryLight, width: 0.8, dash: [2, 3] }) },
      { dataLayer: "boundaries", filter: level("district"),
        symbolizer: new p.LineSymbolizer({ color: C.boundaryLight, width: 1.2, dash: [5, 3] }) },
      { dataLayer: "boundaries", filter: level("regency"),
        symbolizer: new p.LineSymbolizer({ color: C.boundary, width: 1.8, dash: [8, 3, 2, 3] }) },
      { dataLayer: "water", filter: function (z, f) { return f.props.kind === "river" || f.props.kind === "canal"; },
        symbolizer: new p.LineSymbolizer({ color: C.water, width: w([[6, 1], [10, 3], [13, 8], [16, 22], [18, 40]]), lineCap: "round", lineJoin: "round" }) },
      { dataLayer: "water", filter: function (z, f) { return f.props.kind !== "river" && f.props.kind !== "canal"; },
        symbolizer: new p.LineSymbolizer({ color: C.water, width: w([[12, 1], [16, 4]]), lineCap: "round" }) },
      { dataLayer: "roads", filter: is("path"), minzoom: 14,
        symbolizer: new p.LineSymbolizer({ color: C.path, width: 1, dash: [3, 2] }) },
      // casings, then fills: minor under medium under major, bridges with a dark casing over the river
      { dataLayer: "roads", filter: is("minor"), minzoom: 14,
        symbolizer: new p.LineSymbolizer({ color: C.minorCase, width: casing(minor, 1.5), lineCap: "round", lineJoin: "round" }) },
      { dataLayer: "roads", filter: is("minor"),
        symbolizer: new p.LineSymbolizer({ color: C.minor, width: minor, lineCap: "round", lineJoin: "round" }) },
      { dataLayer: "roads", filter: is("medium"),
        symbolizer: new p.LineSymbolizer({ color: C.mediumCase, width: casing(medium, 1.5), lineCap: "round", lineJoin: "round" }) },
      { dataLayer: "roads", filter: is("medium"),
        symbolizer: new p.LineSymbolizer({ color: C.medium, width: medium, lineCap: "round", lineJoin: "round" }) },
      { dataLayer: "roads", filter: is("major"),
        symbolizer: new p.LineSymbolizer({ color: C.majorCase, width: casing(major, 1.5), lineCap: "round", lineJoin: "round" }) },
      { dataLayer: "roads", filter: is("major"),
        symbolizer: new p.LineSymbolizer({ color: C.major, width: major, lineCap: "round", lineJoin: "round" }) },
      { dataLayer: "roads", filter: function (z, f) { return !!f.props.bridge; },
        symbolizer: new p.LineSymbolizer({ color: C.bridgeCase, width: casing(major, 4), lineCap: "butt" }) },
      { dataLayer: "roads", filter: isBridge("major"),
        symbolizer: new p.LineSymbolizer({ color: C.major, width: major, lineCap: "butt" }) },
      { dataLayer: "roads", filter: isBridge("medium"),
        symbolizer: new p.LineSymbolizer({ color: C.medium, width: medium, lineCap: "butt" }) },
    ];
  }

  function labelRules() {
    var p = P();
    var halo = { stroke: C.halo, width: 3 };
    function text(o) { var r = { labelProps: ["name"], fill: C.text, fontFamily: "system-ui, sans-serif" }; for (var k in halo) r[k] = halo[k]; for (var k2 in o) r[k2] = o[k2]; return r; }
    return [
      { dataLayer: "places", filter: kind("regency"), maxzoom: 11,
        symbolizer: new p.CenteredTextSymbolizer(text({ fontSize: 15, fontWeight: 700, textTransform: "uppercase", letterSpacing: 1 })) },
      { dataLayer: "places", filter: kind("district"), minzoom: 10,
        symbolizer: new p.CenteredTextSymbolizer(text({ fontSize: 14, fontWeight: 700 })) },
      { dataLayer: "places", filter: kind("village"), minzoom: 13,
        symbolizer: new p.CenteredTextSymbolizer(text({ fontSize: 12, fontWeight: 500, fill: "#4a4a4a" })) },
      { dataLayer: "places", filter: kind("landmark"), minzoom: 14,
        symbolizer: new p.CenteredTextSymbolizer(text({ fontSize: 11, fontStyle: "italic", fill: C.landmark })) },
      { dataLayer: "roads", filter: function (z, f) { return f.props["class"] === "major" || f.props["class"] === "medium"; }, minzoom: 13,
        symbolizer: new p.LineLabelSymbolizer(text({ fontSize: 11, fontWeight: 600 })) },
      { dataLayer: "roads", filter: is("minor"), minzoom: 15,
        symbolizer: new p.LineLabelSymbolizer(text({ fontSize: 10 })) },
      { dataLayer: "water", minzoom: 11,
        symbolizer: new p.LineLabelSymbolizer(text({ fontSize: 12, fontStyle: "italic", fill: C.waterLabel })) },
    ];
  }

  function attach(map, options) {
    options = options || {};
    var out = { vector: null, raster: null, visible: false };
    if (!map || typeof L === "undefined") return out;
    if (P()) {
      out.vector = P().leafletLayer({
        url: options.base || BASE_URL,
        paintRules: paintRules(),
        labelRules: labelRules(),
        backgroundColor: C.land,
        attribution: options.attribution || ATTRIBUTION,
        maxDataZoom: 15,
        zIndex: 0,
        className: "basemap-vector",
      });
    }
    if (options.raster) {
      // over the vector layer: where a raster tile fails the basemap shows through
      out.raster = L.tileLayer(options.raster, { maxZoom: 19, zIndex: 2, className: "basemap-raster", attribution: "&copy; OpenStreetMap" });
    }
    out.setVisible = function (on) {
      [out.vector, out.raster].forEach(function (layer) {
        if (!layer) return;
        if (on && !map.hasLayer(layer)) layer.addTo(map);
        if (!on && map.hasLayer(layer)) map.removeLayer(layer);
      });
      out.visible = !!on;
      return out;
    };
    out.setVisible(options.visible !== false);
    map._d112Basemap = out;
    return out;
  }

  window.Basemap = { attach: attach, url: BASE_URL };

  // django-leaflet maps (admin geometry widgets, {% leaflet_map %}): their raster layers come from LEAFLET_CONFIG
  // (the raster proxy only, when TILE_UPSTREAM is set); the vector basemap goes under them.
  window.addEventListener("map:init", function (e) {
    var map = e.detail && e.detail.map;
    if (map && !map._d112Basemap) attach(map, {});
  });
})();
