// Runs after Sphinx's `window.MathJax = {...}` config and before MathJax 3 (deferred) loads.
// ipywidgets 8 typesets widget text with MathJax 2's `MathJax.Hub.Queue`, which MathJax 3 does
// not have: give it a Hub whose Queue typesets the element once MathJax 3 is ready.
(function () {
  "use strict";
  var pending = [];
  var hub = {
    Queue: function (job) {
      var element = Array.isArray(job) ? job[2] : null;
      var mj = window.MathJax;
      if (!element) {
        return;
      }
      if (mj && mj.typesetPromise && mj.startup && mj.startup.promise) {
        mj.startup.promise.then(function () { return mj.typesetPromise([element]); });
      } else {
        pending.push(element);
      }
    },
  };
  var config = (window.MathJax = window.MathJax || {});
  var startup = config.startup || {};
  config.Hub = hub;
  startup.ready = function () {
    window.MathJax.startup.defaultReady();
    window.MathJax.Hub = hub;
    window.MathJax.startup.promise.then(function () {
      if (pending.length) {
        return window.MathJax.typesetPromise(pending.splice(0));
      }
    });
  };
  config.startup = startup;
})();
