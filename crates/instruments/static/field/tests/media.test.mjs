// The pictures, sounds and videos of labels and choices (media.js): what a label shows in a
// language, and which of the package's files the device keeps for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelMedia, hasMedia, mediaNames, filesToKeep, attachmentDigest } from '../media.js';

const FORM = {
  default_language: 'en',
  items: [
    { name: 'intro', kind: { type: 'note' }, media: { image: { en: 'school.png', fr: 'ecole.png' }, audio: { en: 'welcome.mp3' } } },
    { name: 'g', kind: { type: 'group', items: [{ name: 'clip', kind: { type: 'text' }, media: { video: { en: 'lesson.mp4' } } }] } },
    { name: 'q', kind: { type: 'select_one', list: 'yn' } },
  ],
  choice_lists: { yn: [{ name: 'yes', label: { en: 'Yes' }, media: { 'big-image': { en: 'yes-big.jpg' } } }, { name: 'no', label: { en: 'No' } }] },
};

test('a label shows its files in the language asked, the default language otherwise', () => {
  const m = FORM.items[0].media;
  assert.deepEqual(labelMedia(m, FORM, 'fr'), { image: 'ecole.png', big: undefined, audio: 'welcome.mp3', video: undefined });
  assert.deepEqual(labelMedia(m, FORM, 'rw'), { image: 'school.png', big: undefined, audio: 'welcome.mp3', video: undefined });
  // A big image alone is shown as the image too.
  assert.deepEqual(labelMedia(FORM.choice_lists.yn[0].media, FORM, 'en'), { image: 'yes-big.jpg', big: 'yes-big.jpg', audio: undefined, video: undefined });
  assert.equal(hasMedia(labelMedia(undefined, FORM, 'en')), false);
  assert.equal(hasMedia(labelMedia(FORM.items[1].kind.items[0].media, FORM, 'en')), true);
});

test('every file a label or a choice shows is listed, in every language, inside groups too', () => {
  assert.deepEqual([...mediaNames(FORM)].sort(), ['ecole.png', 'lesson.mp4', 'school.png', 'welcome.mp3', 'yes-big.jpg']);
});

test('the device keeps the uploaded files labels show, each digest once; not data files, not missing ones', () => {
  const a = (name, sha256, present = true) => ({ name, sha256: present ? sha256 : null, present });
  const pkg = {
    instruments: [
      { id: 1, form: FORM, attachments: [a('school.png', 'aa'), a('ecole.png', 'bb'), a('welcome.mp3', 'cc', false), a('villages.csv', 'dd'), a('lesson.mp4', 'ee')] },
      { id: 2, form: FORM, attachments: [a('school.png', 'aa'), a('yes-big.jpg', 'ff')] },
    ],
  };
  assert.deepEqual(filesToKeep(pkg), [
    { instrument_id: 1, name: 'school.png', sha256: 'aa' },
    { instrument_id: 1, name: 'ecole.png', sha256: 'bb' },
    { instrument_id: 1, name: 'lesson.mp4', sha256: 'ee' },
    { instrument_id: 2, name: 'yes-big.jpg', sha256: 'ff' },
  ]);
  assert.deepEqual(filesToKeep(null), []);
  assert.equal(attachmentDigest(pkg.instruments[0], 'school.png'), 'aa');
  assert.equal(attachmentDigest(pkg.instruments[0], 'welcome.mp3'), null);
});
