// Login: the one-time token travels in the URL fragment (never sent to a server or written to a log);
// put it in the form and post it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("login-form");
  if (!form) return;
  var token = window.location.hash.replace(/^#/, "");
  if (!token) return;
  history.replaceState(null, "", window.location.pathname);
  document.getElementById("login-token").value = token;
  document.getElementById("login-wait").hidden = false;
  form.submit();
});
