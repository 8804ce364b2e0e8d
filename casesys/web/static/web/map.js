/* The maps (Leaflet, vendored): no inline script, settings in the "map-config" json_script.
 *
 * <div data-map="pick" data-lat="#id_lat" data-lng="#id_lng" data-address="#id_address">
 *     a click (or a drag) sets the pin and fills the coordinate fields; typing in the fields
 *     moves the pin. The fields stay the real input: the map is an enhancement.
 * <div data-map="show" data-lat=".." data-lng=".." data-nearby="nearby-cases">
 *     the case's pin and its nearby open cases (json_script id in data-nearby).
 * <div data-map="cases" data-src="/desk/map/data/?...">
 *     open cases clustered (Leaflet.markercluster) and open incidents, from the JSON endpoint.
 * <div data-map="density" data-cells="density-data">
 *     the dashboard's grid: one rectangle per cell, shaded by its count.
 *
 * Without a tile URL (tests, offline) the map has no background but everything else works.
 * Text from the server (subjects, titles) is put in with textContent, never as HTML.
 */
(function () {
  "use strict";

  function readJson(id) {
    var el = id && document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var cfg = null;
  function text(key, values) {
    var s = (cfg.text && cfg.text[key]) || key;
    Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(values[k]); });
    return s;
  }

  function baseMap(el) {
    // maxZoom on the map itself: without a tile layer (offline) clustering still needs one.
    var map = L.map(el, { scrollWheelZoom: false, zoomControl: false, maxZoom: 19, minZoom: 6 }).setView(cfg.center, cfg.zoom);
    L.control.zoom({ zoomInTitle: text("zoomIn"), zoomOutTitle: text("zoomOut") }).addTo(map);
    if (cfg.tileUrl) {
      L.tileLayer(cfg.tileUrl, { attribution: cfg.attribution, maxZoom: 19, minZoom: 6 }).addTo(map);
    }
    return map;
  }

  function statusFor(el) {
    var id = el.getAttribute("data-status");
    return id ? document.getElementById(id) : null;
  }

  function say(el, message) {
    var s = statusFor(el);
    if (s) s.textContent = message;
  }

  function link(href, label) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    return a;
  }

  function casePopup(c) {
    var div = document.createElement("div");
    div.className = "map-popup";
    var p = document.createElement("p");
    p.appendChild(link(c.url, c.number));
    p.appendChild(document.createTextNode(" " + c.subject));
    div.appendChild(p);
    var meta = document.createElement("p");
    meta.className = "muted";
    meta.textContent = [c.state, c.category].filter(Boolean).join(" · ") + (c.distance != null ? " · " + c.distance + " m" : "");
    div.appendChild(meta);
    return div;
  }

  function incidentPopup(inc) {
    var div = document.createElement("div");
    div.className = "map-popup";
    var p = document.createElement("p");
    p.appendChild(document.createTextNode(text("incident") + " "));
    p.appendChild(link(inc.url, "#" + inc.id + " " + inc.title));
    div.appendChild(p);
    var meta = document.createElement("p");
    meta.className = "muted";
    meta.textContent = inc.reports + " " + text("reports");
    div.appendChild(meta);
    return div;
  }

  // --- pick: the mailbox and intake forms ----------------------------------------------------
  function pickMap(el) {
    var latIn = document.querySelector(el.getAttribute("data-lat"));
    var lngIn = document.querySelector(el.getAttribute("data-lng"));
    if (!latIn || !lngIn) return;
    var map = baseMap(el);
    var marker = null;
    var quiet = false;

    function place(lat, lng, pan) {
      if (!marker) {
        marker = L.marker([lat, lng], { draggable: true, keyboard: false, alt: text("pin") }).addTo(map);
        marker.on("dragend", function () { fill(marker.getLatLng()); });
      } else {
        marker.setLatLng([lat, lng]);
      }
      if (pan) map.setView([lat, lng], Math.max(map.getZoom(), 16));
    }

    function fill(ll) {
      quiet = true;
      latIn.value = ll.lat.toFixed(6);
      lngIn.value = ll.lng.toFixed(6);
      // Listeners of the fields (the intake's incident suggestion) hear the change.
      latIn.dispatchEvent(new Event("change", { bubbles: true }));
      lngIn.dispatchEvent(new Event("change", { bubbles: true }));
      quiet = false;
      say(el, text("pinSet", { lat: latIn.value, lng: lngIn.value }));
    }

    function fromFields() {
      if (quiet) return;
      var lat = parseFloat(latIn.value), lng = parseFloat(lngIn.value);
      if (isFinite(lat) && isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
        place(lat, lng, true);
      } else if (marker && !latIn.value && !lngIn.value) {
        marker.remove();
        marker = null;
        map.setView(cfg.center, cfg.zoom);
      }
    }

    map.on("click", function (e) {
      place(e.latlng.lat, e.latlng.lng, false);
      fill(e.latlng);
    });
    latIn.addEventListener("change", fromFields);
    lngIn.addEventListener("change", fromFields);
    fromFields(); // a form sent back with an error keeps its pin

    var address = document.querySelector(el.getAttribute("data-address") || "#none");
    if (cfg.geocodeUrl && address) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn geocode";
      button.textContent = text("find");
      address.insertAdjacentElement("afterend", button);
      button.addEventListener("click", function () {
        var q = address.value.trim();
        if (!q) { address.focus(); return; }
        say(el, text("finding"));
        fetch(cfg.geocodeUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
          .then(function (res) {
            if (!res.ok) { say(el, res.body.error || ""); return; }
            place(res.body.lat, res.body.lng, true);
            fill(L.latLng(res.body.lat, res.body.lng));
          })
          .catch(function () { say(el, text("failed")); });
      });
    }
  }

  // --- show: the case page ---------------------------------------------------------------------
  function showMap(el) {
    var lat = parseFloat(el.getAttribute("data-lat")), lng = parseFloat(el.getAttribute("data-lng"));
    if (!isFinite(lat) || !isFinite(lng)) return;
    var map = baseMap(el);
    var here = L.marker([lat, lng], { keyboard: false, alt: text("pin"), title: text("pin") }).addTo(map);
    var bounds = L.latLngBounds([here.getLatLng()]);
    (readJson(el.getAttribute("data-nearby")) || []).forEach(function (c) {
      var m = L.circleMarker([c.lat, c.lng], { radius: 8, color: "#1f5fa8", weight: 2, fillOpacity: 0.5, className: "nearby-case" });
      m.bindPopup(casePopup(c)).addTo(map);
      bounds.extend(m.getLatLng());
    });
    map.fitBounds(bounds.pad(0.3), { maxZoom: 17 });
  }

  // --- cases: the desk map ---------------------------------------------------------------------
  // With open incidents, a case's popup offers "select": the case joins a list of ticked boxes
  // in the page's link-to-incident form (outside the map, where keyboards reach it).
  function selectButton(c) {
    var list = document.getElementById("map-selection");
    if (!list) return null;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn select-case";
    button.textContent = text("select");
    button.addEventListener("click", function () {
      if (!document.getElementById("map-sel-" + c.number)) {
        var li = document.createElement("li");
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = "cases";
        box.value = c.number;
        box.checked = true;
        box.id = "map-sel-" + c.number;
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + c.number + " " + c.subject));
        li.appendChild(label);
        list.appendChild(li);
        var empty = document.getElementById("map-selection-empty");
        if (empty) empty.hidden = true;
      }
      button.textContent = text("selected");
      button.disabled = true;
    });
    return button;
  }

  function casesMap(el) {
    var map = baseMap(el);
    var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
    map.addLayer(cluster);
    fetch(el.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        var bounds = L.latLngBounds([]);
        data.cases.forEach(function (c) {
          var m = L.marker([c.lat, c.lng], { alt: c.number, title: c.number });
          var popup = casePopup(c);
          var select = selectButton(c);
          if (select) popup.appendChild(select);
          m.bindPopup(popup);
          cluster.addLayer(m);
          bounds.extend(m.getLatLng());
        });
        data.incidents.forEach(function (inc) {
          var b = inc.box;
          L.rectangle([[b[0], b[2]], [b[1], b[3]]], { color: "#b3261e", weight: 2, fillOpacity: 0.08, interactive: false }).addTo(map);
          var m = L.circleMarker([inc.lat, inc.lng], { radius: 11, color: "#b3261e", weight: 3, fillColor: "#fff", fillOpacity: 0.9, className: "incident-marker" });
          m.bindPopup(incidentPopup(inc)).addTo(map);
          bounds.extend(m.getLatLng());
        });
        if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 16 });
        var msg = text("shown", { cases: data.cases.length, incidents: data.incidents.length });
        if (data.capped) msg += " " + text("capped", { limit: data.limit });
        say(el, msg);
        el.setAttribute("data-loaded", String(data.cases.length));
      })
      .catch(function () { say(el, text("failed")); });
  }

  // --- density: the dashboard ------------------------------------------------------------------
  function densityMap(el) {
    var data = readJson(el.getAttribute("data-cells"));
    if (!data) return;
    var map = baseMap(el);
    var bounds = L.latLngBounds([]);
    data.cells.forEach(function (c) {
      var share = data.max ? c.count / data.max : 0;
      var r = L.rectangle([[c.south, c.west], [c.north, c.east]], {
        color: "#8a1c12", weight: 1, fillColor: "#c0392b", fillOpacity: 0.15 + 0.65 * share, className: "density-cell",
      });
      r.bindTooltip(c.count + " " + text("count"));
      r.addTo(map);
      bounds.extend(r.getBounds());
    });
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 15 });
  }

  var modes = { pick: pickMap, show: showMap, cases: casesMap, density: densityMap };

  function init() {
    cfg = readJson("map-config");
    if (!cfg || typeof L === "undefined") return;
    document.querySelectorAll("[data-map]").forEach(function (el) {
      var mode = modes[el.getAttribute("data-map")];
      if (mode && !el._leaflet_id) mode(el);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
