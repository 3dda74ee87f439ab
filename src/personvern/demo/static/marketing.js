/* The demo's stand-in for an advertising pixel. The page holds it as
   <script type="text/plain" data-consent="marketing">, so it runs only after the visitor
   grants "marketing" in the banner; then it says so on the page (and sets nothing). */
(function () {
  "use strict";
  var me = document.querySelector('script[data-consent-ran="marketing"][data-ran-text]');
  var status = document.getElementById("marketing-status");
  if (status && me) {
    status.textContent = me.getAttribute("data-ran-text");
    status.className = "ran";
  }
  window.fjordhundMarketingRan = true;
})();
