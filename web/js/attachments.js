// attachments.js - files on tickets: the upload control of the forms and
// the list of a message's files, with previews of images.
//
// A form's files are uploaded one by one when it is sent (POST
// /attachments, the raw bytes), and their ids go with the filing or reply
// in "attachments". A list links each file to its download (the server
// sends it as an attachment, typed by its bytes); an image the server
// recognised is previewed with <img src="...?inline=1">, which the pages'
// CSP allows (img-src 'self').
import { uploadFile } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const MAX_FILES = 20;

function sizeText(n) {
  if (n < 1024) return t('files.bytes', { n });
  if (n < 1024 * 1024) return t('files.kb', { n: (n / 1024).toFixed(0) });
  return t('files.mb', { n: (n / (1024 * 1024)).toFixed(1) });
}

/** Upload the files chosen in input (an <input type=file multiple>), in
 *  order; resolves to their ids. Rejects with the first ApiError. */
export async function uploadChosen(input) {
  const files = input && input.files ? Array.from(input.files) : [];
  if (files.length > MAX_FILES) throw new Error(t('files.tooMany', { n: MAX_FILES }));
  const ids = [];
  for (const f of files) ids.push((await uploadFile(f)).id);
  return ids;
}

/** The files of a message as a list, or null when it has none. */
export function fileList(files) {
  if (!files || !files.length) return null;
  return h(
    'ul',
    { class: 'files', 'aria-label': t('files.label') },
    ...files.map((f) => {
      const image = /^image\/(png|jpeg|gif|webp)$/.test(f.type || '');
      return h(
        'li',
        { class: 'file' },
        image ? h('img', { class: 'file-preview', src: f.url + '?inline=1', alt: f.filename, loading: 'lazy' }) : null,
        h('a', { href: f.url, download: f.filename, text: f.filename }),
        ' ',
        h('span', { class: 'muted', text: sizeText(f.size) }),
        f.internal ? h('span', { class: 'badge badge-note', text: t('ticket.internalNote') }) : null,
      );
    }),
  );
}
