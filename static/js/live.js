/* Live updates: one WebSocket per tab carries every topic the page shows.

   The script tag (cthainguyen/templatetags/portal_live.py) names the socket in
   data-live and, for a signed-in person, data-me with the inbox link and its words.
   The page marks what updates itself:
   - [data-live-report]: a report page (state badge, timeline, reload notice);
   - [data-live-queue]: the officers' queue in admin (a counter and a list).

   The socket reconnects with jittered exponential backoff and pings every 25 s;
   after each (re)connect the report page fetches the timeline events it missed by
   the last event id it has, so nothing is lost while it was away. */
(function () {
  "use strict";
  if (window.PortalLive) { return; }

  var HEARTBEAT_MS = 25000;
  var PONG_TIMEOUT_MS = 10000;
  var BACKOFF_FIRST_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var CLOSED_FOR_GOOD = 4403;

  var language = (document.documentElement.lang || "vi").toLowerCase();

  function label(values) {
    if (!values || typeof values !== "object") { return String(values || ""); }
    return values[language] || values[language.split("-")[0]] || values.vi ||
      values[Object.keys(values)[0]] || "";
  }

  /* The socket. */

  function Connection(path) {
    this.url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
    this.topics = [];
    this.handlers = {};
    this.socket = null;
    this.attempts = 0;
    this.retryTimer = null;
    this.heartbeatTimer = null;
    this.pongTimer = null;
  }

  Connection.prototype.on = function (type, handler) {
    (this.handlers[type] = this.handlers[type] || []).push(handler);
  };

  /* A topic: {topic, params() -> object, subscribed(), refused()}; its state
     says where it stands: "subscribed", "refused" or "closed". */
  Connection.prototype.add = function (topic) {
    topic.ref = String(this.topics.length + 1);
    this.topics.push(topic);
  };

  Connection.prototype.start = function () {
    var self = this;
    if (!this.topics.length || !("WebSocket" in window)) { return; }
    window.addEventListener("online", function () { self.reconnectNow(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { self.reconnectNow(); }
    });
    this.connect();
  };

  Connection.prototype.connect = function () {
    var self = this;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    var socket;
    try {
      socket = new WebSocket(this.url);
    } catch (error) {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = function () {
      self.topics.forEach(function (topic) {
        var message = topic.params();
        message.type = "subscribe";
        message.topic = topic.topic;
        message.ref = topic.ref;
        self.send(message);
      });
      self.startHeartbeat();
    };
    socket.onmessage = function (event) {
      self.attempts = 0;
      clearTimeout(self.pongTimer);
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      self.dispatch(message);
    };
    socket.onclose = function (event) {
      if (self.socket !== socket) { return; }
      self.socket = null;
      self.topics.forEach(function (topic) { topic.state = "closed"; });
      self.stopHeartbeat();
      if (event.code !== CLOSED_FOR_GOOD) { self.scheduleReconnect(); }
    };
  };

  Connection.prototype.dispatch = function (message) {
    if (message.type === "subscribed" || message.type === "refused") {
      var topic = this.topics.filter(function (t) { return t.ref === String(message.ref); })[0];
      if (topic) { topic.state = message.type; }
      var callback = topic && topic[message.type];
      if (callback) { callback.call(topic, message); }
      return;
    }
    (this.handlers[message.type] || []).forEach(function (handler) { handler(message); });
  };

  Connection.prototype.send = function (message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  };

  /* Exponential backoff with jitter: each wait is drawn between half and all of
     1 s, 2 s, 4 s ... 30 s, so that a restarted server is not hit by every page at
     the same instant. */
  Connection.prototype.scheduleReconnect = function () {
    var self = this;
    if (this.retryTimer) { return; }
    var ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * Math.pow(2, this.attempts));
    this.attempts += 1;
    var wait = ceiling / 2 + Math.random() * ceiling / 2;
    this.retryTimer = setTimeout(function () { self.connect(); }, wait);
  };

  Connection.prototype.reconnectNow = function () {
    if (this.socket || !this.retryTimer) { return; }
    this.attempts = 0;
    this.connect();
  };

  Connection.prototype.startHeartbeat = function () {
    var self = this;
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(function () {
      var socket = self.socket;
      if (!socket) { return; }
      self.send({ type: "ping" });
      clearTimeout(self.pongTimer);
      // No answer in time: the link is dead though nobody said so. Start over.
      self.pongTimer = setTimeout(function () { socket.close(); }, PONG_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  };

  Connection.prototype.stopHeartbeat = function () {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.pongTimer);
  };

  /* A report page. */

  var RELOAD_STATES = ["resolved", "rejected", "duplicate"];

  function ReportPage(root, connection) {
    var self = this;
    this.root = root;
    this.code = root.getAttribute("data-live-report");
    this.eventsUrl = root.getAttribute("data-live-events");
    this.badge = root.querySelector("[data-live-state] .state");
    this.timeline = root.querySelector("[data-live-timeline]");
    this.notice = root.querySelector("[data-live-reload]");
    this.seen = {};
    this.lastSeen = 0;
    this.state = this.badge ? this.stateFromBadge() : "";
    Array.prototype.forEach.call(
      root.querySelectorAll("[data-event-id]"),
      function (item) { self.remember(Number(item.getAttribute("data-event-id"))); }
    );
    this.stateAsOf = this.lastSeen;
    this.fetching = null;

    connection.add({
      topic: "report",
      params: function () { return { code: self.code }; },
      subscribed: function () { self.catchUp(); }
    });
    connection.on("report.event", function (message) {
      if (message.report === self.code) { self.apply(message.event, message); }
    });
  }

  ReportPage.prototype.stateFromBadge = function () {
    var match = /(?:^|\s)state-(\S+)/.exec(this.badge.className);
    return match ? match[1] : "";
  };

  ReportPage.prototype.remember = function (id) {
    this.seen[id] = true;
    if (id > this.lastSeen) { this.lastSeen = id; }
  };

  /* What happened while the socket was away (or before it first opened). */
  ReportPage.prototype.catchUp = function () {
    var self = this;
    if (!this.eventsUrl) { return; }
    if (this.fetching) { this.fetching.abort(); }
    var controller = new AbortController();
    this.fetching = controller;
    var url = this.eventsUrl + "?after=" + encodeURIComponent(this.lastSeen);
    fetch(url, { signal: controller.signal, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (self.fetching === controller) { self.fetching = null; }
        if (!data) { return; }
        if (data.truncated) { location.reload(); return; }
        data.events.forEach(function (event) { self.apply(event, null); });
        if (data.events.length) {
          self.setState(data.state, data.state_label, data.events[data.events.length - 1].id);
        }
      })
      .catch(function () {});
  };

  ReportPage.prototype.apply = function (event, message) {
    if (!event || this.seen[event.id]) { return; }
    this.remember(event.id);
    if (this.timeline) { this.insert(event); }
    if (message) { this.setState(message.state, message.state_label, event.id); }
  };

  ReportPage.prototype.insert = function (event) {
    var item = document.createElement("li");
    item.setAttribute("data-event-id", String(event.id));
    var time = document.createElement("time");
    time.setAttribute("datetime", event.at);
    time.textContent = label(event.at_display);
    item.appendChild(time);
    item.appendChild(document.createTextNode(" "));
    var strong = document.createElement("strong");
    strong.textContent = label(event.label);
    item.appendChild(strong);
    if (event.agency) { item.appendChild(document.createTextNode(" — " + event.agency)); }
    if (event.note) {
      var note = document.createElement("p");
      event.note.split(/\r?\n/).forEach(function (line, index) {
        if (index) { note.appendChild(document.createElement("br")); }
        note.appendChild(document.createTextNode(line));
      });
      item.appendChild(note);
    }
    // In id order, whatever order the messages came in.
    var after = null;
    Array.prototype.forEach.call(this.timeline.querySelectorAll("[data-event-id]"), function (other) {
      if (Number(other.getAttribute("data-event-id")) > event.id && !after) { after = other; }
    });
    this.timeline.insertBefore(item, after);
  };

  ReportPage.prototype.setState = function (state, stateLabel, asOf) {
    if (!this.badge || !state || asOf < this.stateAsOf) { return; }
    this.stateAsOf = asOf;
    if (state === this.state) { return; }
    var before = this.state;
    this.state = state;
    this.badge.className = this.badge.className.replace(/(^|\s)state-\S+/, "$1state-" + state);
    this.badge.textContent = label(stateLabel);
    // The response, the rating form and the reason are drawn by the server.
    if (this.notice && (RELOAD_STATES.indexOf(state) >= 0 || RELOAD_STATES.indexOf(before) >= 0)) {
      this.notice.hidden = false;
    }
  };

  /* The inbox count in the header. */

  function InboxCount(config, connection) {
    var url = config.getAttribute("data-inbox-url");
    this.link = url ? document.querySelector('header a[href="' + url + '"]') : null;
    this.words = {
      one: config.getAttribute("data-unread-one") || "%(counter)s",
      other: config.getAttribute("data-unread-other") || "%(counter)s"
    };
    var self = this;
    connection.add({ topic: "me", params: function () { return {}; } });
    connection.on("inbox", function (message) { self.show(Number(message.unread) || 0); });
  }

  InboxCount.prototype.show = function (unread) {
    if (!this.link) { return; }
    var badge = this.link.querySelector(".state");
    if (!unread) {
      if (badge) { badge.parentNode.removeChild(badge); }
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "state";
      this.link.appendChild(document.createTextNode(" "));
      this.link.appendChild(badge);
    }
    var form = "other";
    try { form = new Intl.PluralRules(language).select(unread) === "one" ? "one" : "other"; } catch (error) {}
    badge.textContent = this.words[form].replace("%(counter)s", String(unread));
  };

  /* The officers' queue in admin. */

  function Queue(root, connection) {
    var self = this;
    this.root = root;
    this.count = root.querySelector("[data-live-queue-count]");
    this.list = root.querySelector("[data-live-queue-list]");
    this.words = root.getAttribute("data-msg-count") || "%(count)s";
    this.since = root.getAttribute("data-since");
    this.after = null;
    this.items = {};
    this.arrived = 0;
    connection.add({
      topic: "queue",
      params: function () {
        return self.after !== null ? { after: self.after } : { since: self.since };
      }
    });
    connection.on("queue.report", function (message) { self.add(message.report); });
    connection.on("queue.cursor", function (message) {
      if (self.after === null || message.after > self.after) { self.after = message.after; }
    });
    this.render();
  }

  Queue.prototype.add = function (report) {
    if (!report) { return; }
    if (this.after !== null && report.id > this.after) { this.after = report.id; }
    var item = this.items[report.code];
    if (!item) {
      item = document.createElement("li");
      item.setAttribute("data-report", report.code);
      var link = document.createElement("a");
      link.href = report.url;
      link.textContent = report.code + " — " + report.title;
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      var state = document.createElement("span");
      state.className = "report-state";
      item.appendChild(state);
      var meta = document.createElement("span");
      meta.className = "live-queue__meta";
      meta.textContent = " " + [report.category, report.ward, label(report.submitted_display)].join(" · ");
      item.appendChild(meta);
      this.items[report.code] = item;
      this.arrived += 1;
      if (this.list) { this.list.insertBefore(item, this.list.firstChild); }
    }
    var badge = item.querySelector(".report-state");
    badge.className = "report-state report-state--" + report.state;
    badge.textContent = label(report.state_label);
    this.render();
  };

  Queue.prototype.render = function () {
    if (this.count) { this.count.textContent = this.words.replace("%(count)s", String(this.arrived)); }
    this.root.setAttribute("data-arrived", String(this.arrived));
  };

  /* Start. */

  function start() {
    var config = document.querySelector("script[data-live]");
    if (!config) { return; }
    var connection = new Connection(config.getAttribute("data-live"));
    var pages = [];
    var report = document.querySelector("[data-live-report]");
    if (report) { pages.push(new ReportPage(report, connection)); }
    var queue = document.querySelector("[data-live-queue]");
    if (queue) { pages.push(new Queue(queue, connection)); }
    if (config.hasAttribute("data-me")) { pages.push(new InboxCount(config, connection)); }
    window.PortalLive = { connection: connection, pages: pages };
    connection.start();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
