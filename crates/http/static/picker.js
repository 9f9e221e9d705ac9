// Pickers: an <input list="…" data-source="/api/v1/units" data-value="code"
// data-label="name"> offers, as the person types, the records the API lists for what they
// typed (`?q=`), in their scope: the datalist is filled with each record's `data-value`
// field, labelled by its `data-label` fields (space-separated names, joined by spaces).
// Without this script the input still takes a typed code. An input whose list depends on
// another field (`data-source-by="role"`, the id of a <select>) takes its source, value and
// label from the chosen option's own `data-source`, `data-value` and `data-label`: a
// grant's scope is a unit, a school or a person by the role chosen. An input that takes
// several codes separated by spaces (`data-multiple`) is offered matches of the last one
// typed, each option keeping the codes before it.
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

  function settings(input) {
    const by = input.dataset.sourceBy ? document.getElementById(input.dataset.sourceBy) : null;
    const chosen = by && by.selectedOptions ? by.selectedOptions[0] : null;
    const from = chosen && chosen.dataset.source ? chosen.dataset : input.dataset;
    return { source: from.source, value: from.value, label: from.label || 'name' };
  }

  function attach(input) {
    const list = document.getElementById(input.getAttribute('list'));
    if (!list) return;
    let timer = null;
    let asked = null;
    const by = input.dataset.sourceBy ? document.getElementById(input.dataset.sourceBy) : null;
    if (by) {
      by.addEventListener('change', () => {
        asked = null;
        list.replaceChildren();
      });
    }
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const multiple = 'multiple' in input.dataset;
        const words = input.value.split(/[\s,;]+/);
        const before = multiple ? words.slice(0, -1).filter((w) => w).join(' ') : '';
        const q = multiple ? words[words.length - 1].trim() : input.value.trim();
        if (q.length < 2 || q === asked) return;
        asked = q;
        const { source, value, label } = settings(input);
        if (!source) return;
        const url = `${source}${source.includes('?') ? '&' : '?'}per_page=20&q=${encodeURIComponent(q)}`;
        try {
          const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
          if (!res.ok || q !== asked) return;
          const page = await res.json();
          list.replaceChildren(
            ...page.items.map((item) => {
              const option = document.createElement('option');
              option.value = (before ? `${before} ` : '') + (item[value] ?? '');
              option.label = labelOf(item, label);
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

  document.querySelectorAll('input[list][data-source], input[list][data-source-by]').forEach(attach);
})();
