// Pickers: an <input list="…" data-source="/api/v1/units" data-value="code"
// data-label="name"> offers, as the person types, the records the API lists for what they
// typed (`?q=`), in their scope: the datalist is filled with each record's `data-value`
// field, labelled by its `data-label` fields (space-separated names, joined by spaces).
// Without this script the input still takes a typed code.
'use strict';

(function () {
  const wait = 200;

  function labelOf(item, fields) {
    return fields
      .split(' ')
      .map((f) => item[f])
      .filter((v) => v !== null && v !== undefined && v !== '')
      .join(' ');
  }

  function attach(input) {
    const list = document.getElementById(input.getAttribute('list'));
    if (!list) return;
    let timer = null;
    let asked = null;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (q.length < 2 || q === asked) return;
        asked = q;
        const url = `${input.dataset.source}?per_page=20&q=${encodeURIComponent(q)}`;
        try {
          const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
          if (!res.ok || q !== asked) return;
          const page = await res.json();
          list.replaceChildren(
            ...page.items.map((item) => {
              const option = document.createElement('option');
              option.value = item[input.dataset.value] ?? '';
              option.label = labelOf(item, input.dataset.label || 'name');
              option.textContent = option.label;
              return option;
            }),
          );
        } catch (_) {
          // Offline or refused: the input still takes what is typed.
        }
      }, wait);
    });
  }

  document.querySelectorAll('input[list][data-source]').forEach(attach);
})();
