/**
 * media.js — the pictures, sounds and videos a form shows with its labels and choices
 * (XLSForm's `image`, `big-image`, `audio` and `video` columns): which files a label shows
 * in a language, and which of a package's files the device keeps so that forms show them
 * offline. The files are the form's attachments, downloaded with the package into the
 * device's `files` store by their digest; a file the device could not download is shown
 * as its name, said missing. No DOM, no network.
 */
import { pickText } from './forms.js';

/** The media kinds a label can show, in the order they are shown. */
export const KINDS = ['image', 'big-image', 'audio', 'video'];

/** Extensions of the attachments read into the form itself (not shown as media). */
const READ = /\.(csv|xml|geojson)$/i;

/**
 * What an item's or a choice's `media` shows in `language`: `{image, big, audio, video}`,
 * each a file name or undefined (an image shows the big image when it has no other).
 */
export function labelMedia(media, form, language) {
  if (!media) return {};
  const pick = (kind) => (media[kind] ? pickText(media[kind], form, language) || undefined : undefined);
  const big = pick('big-image');
  return { image: pick('image') ?? big, big, audio: pick('audio'), video: pick('video') };
}

/** Whether `media` (as `labelMedia` gives it) shows anything. */
export const hasMedia = (m) => Boolean(m.image || m.audio || m.video);

/** Every file name any label or choice of the form shows, in any language. */
export function mediaNames(form) {
  const names = new Set();
  const add = (media) => {
    for (const kind of KINDS) for (const name of Object.values(media?.[kind] ?? {})) if (name) names.add(name);
  };
  const walk = (items) => {
    for (const item of items ?? []) {
      add(item.media);
      walk(item.kind?.items);
    }
  };
  walk(form.items);
  for (const list of Object.values(form.choice_lists ?? {})) for (const c of list) add(c.media);
  return names;
}

/**
 * The files of the package's instruments the device should keep for their labels:
 * `{instrument_id, name, sha256}` of each attachment uploaded on the server that a label
 * or choice shows, each digest once.
 */
export function filesToKeep(pkg) {
  const out = [];
  const seen = new Set();
  for (const i of pkg?.instruments ?? []) {
    const names = mediaNames(i.form ?? {});
    for (const a of i.attachments ?? []) {
      if (!a.present || !a.sha256 || READ.test(a.name) || !names.has(a.name) || seen.has(a.sha256)) continue;
      seen.add(a.sha256);
      out.push({ instrument_id: i.id, name: a.name, sha256: a.sha256 });
    }
  }
  return out;
}

/** The digest of the instrument's attachment `name`, if uploaded. */
export function attachmentDigest(instrument, name) {
  return (instrument?.attachments ?? []).find((a) => a.name === name && a.present)?.sha256 ?? null;
}
