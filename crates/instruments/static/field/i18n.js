/**
 * i18n.js — the field app's texts, numbers and dates in the reader's language. The texts are
 * the server's own Fluent messages (crates/domain/locales/<lang>/field.ftl and the
 * problem-<code> messages), sent by GET /field/messages.json already parsed into parts:
 *
 *   "text" · {var: "n"} · {select: "n", variants: {one: [...], other: [...]}, default: "other"}
 *
 * A select picks the variant named by the number itself ("0"), then by its plural category
 * in the language (Intl.PluralRules: "one", "few", "many", "other"), then the default, as
 * Fluent does. Numbers are written with Intl.NumberFormat, dates with Intl.DateTimeFormat.
 * No DOM, no network: tested with `node --test`.
 */

/** The locale each language's numbers and dates are written in (day before month in both). */
const LOCALES = { en: 'en-GB', fr: 'fr-FR' };

/** The `Intl` locale of a language code ("fr" → "fr-FR"); the code itself otherwise. */
export const locale = (lang) => LOCALES[lang] ?? lang ?? 'en-GB';

/** A number as `lang` writes it: "4.5" / "4,5", "1,234" / "1 234". */
export function formatNumber(n, lang, options = {}) {
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: 3, ...options }).format(n);
}

/** A `Date` from a date ("2026-12-06", read as that day here, not in UTC) or a timestamp. */
function toDate(value) {
  if (value instanceof Date) return value;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value ?? ''));
  return day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : new Date(value);
}

/** A day as `lang` writes it: "06/12/2026" in both English and French. */
export function formatDate(value, lang) {
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return String(value ?? '');
  return new Intl.DateTimeFormat(locale(lang), { day: '2-digit', month: '2-digit', year: 'numeric' }).format(d);
}

/** A moment as `lang` writes it: "06/12/2026 14:05" (the device's time zone). */
export function formatDateTime(value, lang) {
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return String(value ?? '');
  return new Intl.DateTimeFormat(locale(lang), {
    day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
  }).format(d);
}

/** The value of an argument as text: numbers in the language's way, the rest as given. */
function argText(value, lang) {
  if (typeof value === 'number') return formatNumber(value, lang);
  return value === undefined || value === null ? '' : String(value);
}

/** The variant of a select for `value`: exact number, plural category, then the default. */
function variant(part, value, lang) {
  const { variants } = part;
  if (typeof value === 'number') {
    const exact = Object.keys(variants).find((k) => k !== '' && !Number.isNaN(Number(k)) && Number(k) === value);
    if (exact !== undefined) return variants[exact];
    const category = new Intl.PluralRules(locale(lang)).select(value);
    if (variants[category]) return variants[category];
  } else if (value !== undefined && value !== null && variants[String(value)]) {
    return variants[String(value)];
  }
  return variants[part.default] ?? [];
}

/** Formats a message's parts with `args` in `lang`. */
export function formatParts(parts, args, lang) {
  if (typeof parts === 'string') return parts;
  let out = '';
  for (const part of parts ?? []) {
    if (typeof part === 'string') out += part;
    else if (part.var !== undefined) out += argText(args[part.var], lang);
    else if (part.select !== undefined) out += formatParts(variant(part, args[part.select], lang), args, lang);
  }
  return out;
}

/**
 * The messages of one language: `text(id, args)` formats the message `id`, falling back to
 * English (as the pages do), then to `fallback`, then to the identifier itself.
 */
export class Messages {
  /** `catalogue` is the answer of /field/messages.json: `{lang, languages, messages: {en: {...}, fr: {...}}}`. */
  constructor(catalogue, lang) {
    this.catalogue = catalogue ?? { messages: {} };
    const known = Object.keys(this.catalogue.messages ?? {});
    this.lang = known.includes(lang) ? lang : known.includes(this.catalogue.lang) ? this.catalogue.lang : 'en';
  }

  has(id) {
    const all = this.catalogue.messages ?? {};
    return Boolean(all[this.lang]?.[id] ?? all.en?.[id]);
  }

  text(id, args = {}, fallback = undefined) {
    const all = this.catalogue.messages ?? {};
    const parts = all[this.lang]?.[id] ?? all.en?.[id];
    if (parts === undefined) return fallback ?? id;
    return formatParts(parts, args, this.lang);
  }

  number(n, options) { return formatNumber(n, this.lang, options); }
  date(value) { return formatDate(value, this.lang); }
  dateTime(value) { return formatDateTime(value, this.lang); }
}
