/* personvern consent banner. Plain JavaScript, no dependencies, no build step.
 *
 * Served by personvern at /banner.js. It reads /banner/config.json (the categories,
 * cookies, vendors and texts of the shop's manifest, in the page's language) and records
 * each choice at /consent, whose answer sets the pv_consent cookie. Nothing that needs
 * consent runs before a choice (ePrivacy Art. 5(3)); reject is as easy as accept (EDPB
 * cookie banner taskforce, 2023); withdrawing is as easy as giving (GDPR Art. 7(3)).
 *
 * In the page:
 *   <script src="/banner.js"></script>                          early, in <head>
 *   <script type="text/plain" data-consent="marketing">...</script>   runs when granted
 *   <div data-consent-embed="marketing" data-src="https://..." data-title="Video"></div>
 *   <button data-consent-settings>Cookie settings</button>      optional extra opener
 */
(function () {
  "use strict";
  var d = document, w = window, nav = navigator;
  var me = d.currentScript;
  var root = me && me.src ? me.src.replace(/banner\.js(?:[?#].*)?$/, "") : "/";
  var DAY = 864e5;
  var cfg, T, granted = {}, box, dlg, layers, back, reopen, canClose = false, fromFirst = false;

  // Google Consent Mode v2: denied until a choice grants it.
  w.dataLayer = w.dataLayer || [];
  if (typeof w.gtag !== "function") {
    w.gtag = function () { w.dataLayer.push(arguments); };
  }
  w.gtag("consent", "default", {
    ad_storage: "denied", ad_user_data: "denied", ad_personalization: "denied",
    analytics_storage: "denied", functionality_storage: "denied",
    personalization_storage: "denied", security_storage: "granted", wait_for_update: 500
  });

  function make(tag, attrs, text) {
    var e = d.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function optional() {
    return cfg.categories.filter(function (c) { return !c.necessary; })
      .map(function (c) { return c.key; });
  }

  function stored() {
    var m = d.cookie.match(/(?:^|;\s*)pv_consent=([^;]*)/);
    var p = m ? decodeURIComponent(m[1]).replace(/^"|"$/g, "").split("~") : [];
    return p.length === 4 ? { v: p[0], t: +p[1] * 1000, g: p[2] ? p[2].split("|") : [], s: p[3] } : null;
  }

  // --- withdrawal: delete what the manifest lists for refused categories ---

  function pattern(name) {
    return new RegExp("^" + name.split("*").map(function (s) {
      return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }).join(".*") + "$");
  }

  function kill(name) {
    var h = location.hostname, parts = h.split("."), doms = [""], paths = ["/"];
    if (!/^[\d.]+$|:/.test(h)) {  // the host and each parent domain; none for an IP
      for (var i = 0; i < parts.length - 1; i++) doms.push(";domain=." + parts.slice(i).join("."));
    }
    var segs = location.pathname.split("/");
    for (var j = 2; j < segs.length; j++) paths.push(segs.slice(0, j).join("/"));
    doms.forEach(function (dm) {
      paths.forEach(function (p) {
        d.cookie = name + "=;Max-Age=0;expires=Thu, 01 Jan 1970 00:00:00 GMT;path=" + p + dm;
      });
    });
  }

  function purge(c) {
    c.cookies.forEach(function (k) {
      var re = pattern(k.name);
      if (k.kind === "cookie") {
        d.cookie.split(";").forEach(function (p) {
          var n = p.split("=")[0].trim();
          if (n && re.test(n)) kill(n);
        });
      } else if (/storage$/.test(k.kind)) {
        try {
          var s = k.kind === "local_storage" ? w.localStorage : w.sessionStorage;
          for (var i = s.length - 1; i >= 0; i--) if (re.test(s.key(i))) s.removeItem(s.key(i));
        } catch (e) { /* storage blocked: nothing to delete */ }
      }
    });
  }

  // --- applying a state ---

  function allowed(list) {
    return list.split(/\s+/).every(function (k) { return !k || granted[k]; });
  }

  function activate() {
    each(d.querySelectorAll('script[type="text/plain"][data-consent]'), function (s) {
      if (!allowed(s.getAttribute("data-consent"))) return;
      var n = d.createElement("script");
      each(s.attributes, function (a) {
        if (a.name !== "type" && a.name !== "data-consent") n.setAttribute(a.name, a.value);
      });
      if (s.getAttribute("data-type")) n.type = s.getAttribute("data-type");
      n.setAttribute("data-consent-ran", s.getAttribute("data-consent"));
      n.text = s.text;
      s.parentNode.replaceChild(n, s);
    });
  }

  function categoryName(key) {
    var c = cfg.categories.filter(function (x) { return x.key === key; })[0];
    return c ? c.name : key;
  }

  function embeds() {
    each(d.querySelectorAll("[data-consent-embed]"), function (e) {
      var key = e.getAttribute("data-consent-embed"), src = e.getAttribute("data-src") || "";
      if (granted[key]) {
        // Only web addresses: never a javascript: or data: URL from the page's markup.
        if (e.getAttribute("data-consent-loaded") || !/^(https?:\/\/|\/)/i.test(src)) return;
        var f = make("iframe", { src: src, title: e.getAttribute("data-title") || "",
          width: "100%", height: e.getAttribute("data-height") || "315",
          allowfullscreen: "", loading: "lazy" });
        e.textContent = "";
        e.appendChild(f);
        e.setAttribute("data-consent-loaded", "1");
      } else if (!e.getAttribute("data-consent-loaded")) {
        if (e.querySelector(".pv-embed")) return;
        var name = categoryName(key), ph = make("div", { "class": "pv-embed" });
        ph.appendChild(make("p", {}, T.embed.replace("{category}", name)));
        var b = make("button", { type: "button" }, T.embed_load.replace("{category}", name.toLowerCase()));
        b.onclick = function () { choose(Object.keys(granted).concat(key)); };
        ph.appendChild(b);
        e.appendChild(ph);
      }
    });
  }

  function consentMode() {
    var u = {};
    for (var s in cfg.consent_mode) u[s] = granted[cfg.consent_mode[s]] ? "granted" : "denied";
    w.gtag("consent", "update", u);
  }

  function apply(list) {
    granted = {};
    list.forEach(function (k) { granted[k] = true; });
    cfg.categories.forEach(function (c) {
      if (c.necessary) granted[c.key] = true;
      else if (!granted[c.key]) purge(c);
    });
    consentMode();
    activate();
    embeds();
    if (reopen) reopen.hidden = false;
    w.dispatchEvent(new CustomEvent("personvern:consent", { detail: { granted: list.slice() } }));
  }

  // --- recording a choice ---

  function send(body) {
    body.language = cfg.language;
    if (nav.globalPrivacyControl === true) body.gpc = true;
    return fetch(root + "consent", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) throw new Error("consent " + r.status);
      return r.json();
    }).then(function (res) { apply(res.granted); return res; });
  }

  function choose(list) {
    var categories = {};
    optional().forEach(function (k) { categories[k] = list.indexOf(k) >= 0; });
    close();
    // If the server cannot be reached the choice still holds on this page (not recorded).
    return send({ categories: categories }).catch(function () {
      apply(optional().filter(function (k) { return categories[k]; }));
    });
  }

  // --- the dialog ---

  function button(text, cls, fn) {
    var b = make("button", { type: "button", "class": cls }, text);
    b.onclick = fn;
    return b;
  }

  function buttons(extra) {
    var row = make("div", { "class": "pv-btns" });
    row.appendChild(button(T.reject_all, "pv-b", function () { choose([]); }));
    row.appendChild(button(T.accept_all, "pv-b", function () { choose(optional()); }));
    row.appendChild(extra);
    return row;
  }

  function category(c) {
    var id = "pv-c-" + c.key, wrap = make("div", { "class": "pv-cat" });
    var input = make("input", { type: "checkbox", role: "switch", id: id, "data-key": c.key,
      "aria-describedby": id + "-d" });
    if (c.necessary) { input.checked = true; input.disabled = true; }
    var head = make("div");
    head.appendChild(input);
    head.appendChild(make("label", { "for": id }, c.name + (c.necessary ? " (" + T.always_on + ")" : "")));
    wrap.appendChild(head);
    wrap.appendChild(make("p", { id: id + "-d" }, c.description || ""));
    if (c.cookies.length || c.vendors.length) {
      var more = make("details");
      more.appendChild(make("summary", {}, T.cookies + " (" + c.cookies.length + "), " +
        T.vendors.toLowerCase() + " (" + c.vendors.length + ")"));
      var ul = make("ul");
      c.cookies.forEach(function (k) {
        ul.appendChild(make("li", {}, k.name + " – " + k.provider + (k.duration ? ", " + k.duration : "") +
          (k.description ? ": " + k.description : "")));
      });
      c.vendors.forEach(function (v) {
        var li = make("li", {}, T.vendors + ": ");
        li.appendChild(v.privacy_policy ? make("a", { href: v.privacy_policy, rel: "noopener" }, v.name) :
          d.createTextNode(v.name));
        ul.appendChild(li);
      });
      more.appendChild(ul);
      wrap.appendChild(more);
    }
    return wrap;
  }

  function focusables() {
    return Array.prototype.filter.call(
      dlg.querySelectorAll("button,a[href],input:not([disabled]),summary"),
      function (e) { return e.offsetParent !== null; });
  }

  function build() {
    box = make("div", { "class": "pv-wrap", id: "pv-consent", lang: cfg.language });
    box.hidden = true;
    dlg = make("div", { "class": "pv-dlg", role: "dialog", "aria-modal": "true",
      "aria-labelledby": "pv-t", "aria-describedby": "pv-d", tabindex: "-1" });
    dlg.appendChild(make("h2", { id: "pv-t" }, T.title));
    var intro = make("p", { id: "pv-d" }, T.intro + " ");
    if (cfg.privacy_url) intro.appendChild(make("a", { href: cfg.privacy_url }, T.privacy));
    dlg.appendChild(intro);
    var first = make("div"), list = make("ul", { "class": "pv-list" });
    cfg.categories.forEach(function (c) {  // what consent is asked for, before any button
      if (c.necessary) return;
      var li = make("li");
      li.appendChild(make("strong", {}, c.name));
      li.appendChild(d.createTextNode(c.description ? ": " + c.description : ""));
      list.appendChild(li);
    });
    first.appendChild(list);
    first.appendChild(buttons(button(T.settings, "pv-b pv-s", function () { show(1, true); })));
    var second = make("div", { "class": "pv-settings" });
    cfg.categories.forEach(function (c) { second.appendChild(category(c)); });
    second.appendChild(buttons(button(T.save, "pv-b pv-s", function () {
      var list = [];
      each(second.querySelectorAll("input[data-key]:not([disabled])"), function (i) {
        if (i.checked) list.push(i.getAttribute("data-key"));
      });
      choose(list);
    })));
    layers = [first, second];
    dlg.appendChild(first);
    dlg.appendChild(second);
    dlg.addEventListener("keydown", trap);
    box.appendChild(dlg);
    d.body.appendChild(box);
  }

  function trap(e) {
    if (e.key === "Escape") {
      if (fromFirst && !layers[1].hidden) show(0);
      else if (canClose) close();
      return;
    }
    if (e.key !== "Tab") return;
    var f = focusables(), first = f[0], last = f[f.length - 1], a = d.activeElement;
    if (e.shiftKey && (a === first || a === dlg)) { last.focus(); e.preventDefault(); }
    else if (!e.shiftKey && a === last) { first.focus(); e.preventDefault(); }
  }

  function show(n, viaFirst) {
    if (viaFirst) fromFirst = true;
    layers[0].hidden = n !== 0;
    layers[1].hidden = n !== 1;
    each(layers[1].querySelectorAll("input[data-key]:not([disabled])"), function (i) {
      i.checked = !!granted[i.getAttribute("data-key")];
    });
    (n === 1 ? layers[1].querySelector("input:not([disabled]),button") : dlg).focus();
  }

  function open(settings) {
    if (!cfg) return;
    if (!box) build();
    if (box.hidden) back = d.activeElement;
    canClose = !!stored();
    fromFirst = !settings;
    box.hidden = false;
    if (reopen) reopen.hidden = true;
    show(settings ? 1 : 0);
  }

  function close() {
    if (!box || box.hidden) return;
    box.hidden = true;
    if (reopen) reopen.hidden = false;
    if (back && back.focus && back !== d.body) back.focus();
    else if (reopen) reopen.focus();
  }

  function style() {
    d.head.appendChild(make("style", {}, [
      ".pv-wrap{position:fixed;inset:0;z-index:2147483000;background:rgba(0,0,0,.45);display:flex;" +
        "align-items:flex-end;justify-content:center;font:1rem/1.5 system-ui,sans-serif}",
      ".pv-wrap[hidden],.pv-dlg [hidden],.pv-reopen[hidden]{display:none}",
      ".pv-dlg{background:#fff;color:#111;width:100%;max-width:42rem;max-height:100%;overflow:auto;" +
        "box-sizing:border-box;padding:1.25rem;border-radius:.5rem .5rem 0 0}",
      ".pv-dlg h2{font-size:1.25rem;margin:0 0 .5rem}.pv-dlg a{color:#1a3d6d}.pv-wrap .pv-dlg:focus{outline:none}",
      ".pv-list{margin:.5rem 0;padding-left:1.25rem}",
      ".pv-btns{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}",
      ".pv-b,.pv-embed button,.pv-reopen{flex:1 1 9rem;font:inherit;padding:.6rem 1rem;" +
        "border:2px solid #1a3d6d;border-radius:.375rem;background:#1a3d6d;color:#fff;cursor:pointer}",
      ".pv-s{background:#fff;color:#1a3d6d}",
      ".pv-wrap :focus-visible,.pv-reopen:focus-visible,.pv-embed :focus-visible{outline:3px solid #d97706;outline-offset:2px}",
      ".pv-cat{border-top:1px solid #ccc;padding:.75rem 0}.pv-cat label{font-weight:600;margin-left:.5rem}",
      ".pv-cat p{margin:.25rem 0}.pv-cat ul{margin:.25rem 0;padding-left:1.25rem;font-size:.875rem}",
      ".pv-cat input{width:1.25rem;height:1.25rem;vertical-align:middle}",
      ".pv-reopen{position:fixed;left:.5rem;bottom:.5rem;z-index:2147482999;flex:none;font-size:.875rem;padding:.4rem .75rem}",
      ".pv-embed{border:1px dashed #888;padding:1rem;text-align:center}"
    ].join("")));
  }

  function start(config) {
    cfg = config;
    T = cfg.texts;
    style();
    reopen = button(T.reopen, "pv-reopen", function () { open(true); });
    reopen.hidden = true;
    d.body.appendChild(reopen);
    each(d.querySelectorAll("[data-consent-settings]"), function (e) {
      e.addEventListener("click", function (ev) { ev.preventDefault(); open(true); });
    });
    var st = stored();
    var fresh = st && st.v === cfg.version && Date.now() - st.t < cfg.max_age_days * DAY;
    if (fresh) return apply(st.g);
    apply([]);  // an old or missing choice grants nothing until the visitor chooses again
    // GPC refuses marketing when no explicit choice exists; a later choice overrides it.
    if (nav.globalPrivacyControl === true && (!st || st.s === "g")) {
      return send({}).catch(function () { /* not recorded; nothing was granted anyway */ });
    }
    if (reopen) reopen.hidden = true;
    open(false);
  }

  w.personvern = {
    open: function () { open(true); },
    withdraw: function () { return choose([]); },
    granted: function () { return Object.keys(granted); }
  };

  function load() {
    fetch(root + "banner/config.json?lang=" +
      encodeURIComponent(d.documentElement.lang || nav.language || "en"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(start);
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", load); else load();
})();
