/**
 * edits.js — corrections to a person's record made offline. Pure: given the person as the
 * package holds them and what was typed, works out the fields that changed and the values
 * they had when read. The server applies an edit when those fields still hold the values
 * read (even if other fields changed meanwhile) and otherwise keeps it as a conflict for a
 * person to decide; it never overwrites a value the device did not see.
 */

/** The fields of a person the field app may correct, in the order the form shows them. */
export const PERSON_FIELDS = ['given_name', 'family_name', 'birth_year', 'phone', 'email'];

/** The server's rules (crates/domain/src/registry.rs: parse_email, parse_phone; a year of birth 1900–2100). */
function emailOk(text) {
  const at = text.indexOf('@');
  if (text.length > 200 || /\s/.test(text) || at <= 0) return false;
  const host = text.slice(at + 1);
  return host.includes('.') && !host.startsWith('.') && !host.endsWith('.');
}

/** A phone number as the server stores it (spaces, dashes, dots and brackets dropped), or null. */
export function normalPhone(text) {
  const digits = text.replace(/[ \-().]/g, '');
  const body = digits.startsWith('+') ? digits.slice(1) : digits;
  return body.length >= 6 && body.length <= 15 && /^[0-9]+$/.test(body) ? digits : null;
}

/**
 * The edit for `person` from the values `entered` (by field name, as typed). Returns
 * `{ changes, base, problems }`: `changes` holds only fields whose value differs from the
 * package's, `base` the package's values of those same fields (null when empty), and
 * `problems` one `{ field, code }` per value that cannot be sent (`required` when a value
 * that was there is emptied — a record is corrected, not erased, from the field — `year`,
 * `email`, `phone` for a malformed value), by the same rules as the server.
 */
export function personEdit(person, entered) {
  const changes = {};
  const base = {};
  const problems = [];
  for (const field of PERSON_FIELDS) {
    if (!(field in entered)) continue;
    const typed = String(entered[field] ?? '').trim();
    const was = person[field] ?? null;
    if (typed === '') {
      if (was !== null && was !== '') problems.push({ field, code: 'required' });
      continue;
    }
    let value = typed;
    if (field === 'birth_year') {
      value = Number(typed);
      if (!/^[0-9]{4}$/.test(typed) || value < 1900 || value > 2100) {
        problems.push({ field, code: 'year' });
        continue;
      }
    } else if (field === 'email' && !emailOk(typed)) {
      problems.push({ field, code: 'email' });
      continue;
    } else if (field === 'phone') {
      value = normalPhone(typed);
      if (value === null) {
        problems.push({ field, code: 'phone' });
        continue;
      }
    }
    if (value === was) continue;
    changes[field] = value;
    base[field] = was;
  }
  return { changes, base, problems };
}
