/* The list page's script (templates/admin/record_list.html), one file the browser keeps:
   what each of the 20 rows carried before is said once here or once on the table.

   1. Return address: a row's view and edit links carry the list's first page as their
      ?url= (where the record page's "List", "Cancel" and "Save" lead back; it also works
      without this script); a filtered, searched, sorted or later page names itself
      once, on the table (data-return-url), and the links get it here.
   2. Bulk steps (Flask-Admin's actions.js, for check boxes without a name or class of
      their own): modelActions.execute(name) posts the checked rows' ids as "rowid"
      with #action_form; the header's box checks or clears every row. */
(function () {
  var table = document.querySelector('table.model-list');
  if (!table) { return; }
  var back = table.getAttribute('data-return-url');
  if (back) {
    var links = table.querySelectorAll('tbody td > a.fa[href]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].getAttribute('href'), document.baseURI);
      if (url.searchParams.has('url')) {
        url.searchParams.set('url', back);
        links[i].setAttribute('href', url.pathname + url.search + url.hash);
      }
    }
  }
  var form = document.getElementById('action_form');
  if (!form) { return; }
  var rowBoxes = table.querySelectorAll('tbody td:first-child > input[type=checkbox]');
  var toggle = table.querySelector('.action-rowtoggle');
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var noneSelected = data('message-data');
  var confirmations = data('actions-confirmation-data');
  window.modelActions = {
    execute: function (name) {
      var checked = [];
      for (var i = 0; i < rowBoxes.length; i++) {
        if (rowBoxes[i].checked) { checked.push(rowBoxes[i].value); }
      }
      if (!checked.length) { alert(noneSelected); return false; }
      if (confirmations[name] && !confirm(confirmations[name])) { return false; }
      form.querySelector('#action').value = name;
      var old = form.querySelectorAll('input[name=rowid]');
      for (var j = 0; j < old.length; j++) { old[j].remove(); }
      checked.forEach(function (value) {
        var input = document.createElement('input');
        input.type = 'hidden';
        input.name = 'rowid';
        input.value = value;
        form.appendChild(input);
      });
      form.submit();
      return false;
    }
  };
  if (toggle) {
    toggle.addEventListener('change', function () {
      for (var i = 0; i < rowBoxes.length; i++) { rowBoxes[i].checked = toggle.checked; }
    });
    table.addEventListener('change', function (event) {
      if (event.target === toggle) { return; }
      var all = rowBoxes.length > 0;
      for (var i = 0; i < rowBoxes.length; i++) { all = all && rowBoxes[i].checked; }
      toggle.checked = all;
    });
  }
})();
