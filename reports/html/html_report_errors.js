// report.html, first script: records every JavaScript error (uncaught, rejected promise,
// console.error) on <body data-errors> so that a test can read it from the DOM.
(function () {
  'use strict';
  const errors = [];
  function record(message) {
    errors.push(String(message));
    if (document.body) document.body.dataset.errors = errors.join(' | ');
  }
  window.lgRecordError = record;
  window.onerror = function (message, source, line, column) {
    record(message + ' (' + (source || 'inline') + ':' + line + ':' + column + ')');
    return false;
  };
  window.addEventListener('unhandledrejection', function (e) {
    record('unhandled rejection: ' + (e.reason && e.reason.message ? e.reason.message : e.reason));
  });
  const original = console.error;
  console.error = function () {
    record(Array.prototype.map.call(arguments, String).join(' '));
    return original.apply(console, arguments);
  };
})();
