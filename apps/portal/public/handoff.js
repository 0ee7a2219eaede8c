// The card hand-off page switches over by itself (issue 4 §3): server-sent events, polling as the fallback.
(function () {
  'use strict';
  var root = document.getElementById('handoff');
  if (!root) return;
  var status = document.getElementById('handoff-status');
  var remaining = document.getElementById('remaining');
  var expiresAt = Date.parse(root.getAttribute('data-expires-at'));
  var lang = document.documentElement.lang === 'en' ? 'en' : 'ja';
  var done = false;

  function text(message) {
    if (!message) return '';
    return (lang === 'en' && message.en) || message.ja;
  }

  function apply(state) {
    if (done) return;
    if (state.status === 'completed' && state.redirect) {
      done = true;
      status.textContent = text(state.message);
      window.location.assign(state.redirect);
    } else if (state.status === 'failed' || state.status === 'expired') {
      done = true;
      status.className = 'notice notice--error';
      status.setAttribute('role', 'alert');
      status.textContent = text(state.message);
    }
  }

  function poll() {
    if (done) return;
    fetch(root.getAttribute('data-state-url'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) apply(state); })
      .catch(function () {})
      .then(function () { if (!done) setTimeout(poll, 3000); });
  }

  if (window.EventSource) {
    var source = new EventSource(root.getAttribute('data-events-url'));
    source.addEventListener('state', function (e) {
      apply(JSON.parse(e.data));
      if (done) source.close();
    });
    source.onerror = function () {
      source.close();
      poll();
    };
  } else {
    poll();
  }

  function tick() {
    var s = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    var m = Math.floor(s / 60);
    var r = s % 60;
    remaining.textContent =
      lang === 'en' ? '(' + m + ' min ' + r + ' s left)' : '（残り ' + m + '分' + r + '秒）';
    if (s === 0 && !done) {
      apply({
        status: 'expired',
        message: {
          ja: 'QRコードの有効期限（10分）が切れました。「QRコードを更新する」を押してください。',
          en: 'The QR code has expired (10 minutes). Press “Refresh QR code”.',
        },
      });
    }
    if (!done) setTimeout(tick, 1000);
  }
  tick();
})();
