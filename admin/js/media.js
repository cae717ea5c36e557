/*
 * media: the library (a grid of the 320-px variants), uploads with a
 * progress bar and a clear error per file, alt text edited in place,
 * insert into a post, delete.
 */
import * as api from './api.js';
import { h, modal, confirmAction, say, newId, pager } from './dom.js';

const PER_PAGE = 24;

/* The day of an RFC 3339 time, in the writer's time zone. */
function day(iso) {
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? '' : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

/* The Markdown of an image in a post. */
export function mediaMarkdown(item) {
	const alt = (item.alt || '').replace(/[[\]\\]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');
	return `![${alt}](media:${item.id})`;
}

/* The URL of an item's thumbnail: its 320-px variant, or the smallest there is. */
function thumbUrl(item) {
	const v = (item.urls && item.urls.variants) || {};
	if (v['320'])
		return v['320'];
	const widths = Object.keys(v).map(Number).sort((a, b) => a - b);
	return widths.length ? v[String(widths[0])] : item.urls.original;
}

/* Says in words why Media refused a file. */
function refusal(e, file) {
	switch (e.code) {
	case 'body_too_large':
		return `${file.name}: too big (${(file.size / 1048576).toFixed(1)} MB). Make it smaller and try again.`;
	case 'unsupported_image':
	case 'unsupported_media_type':
		return `${file.name}: not an image Quire takes (JPEG, PNG, GIF or WebP).`;
	case 'invalid_image':
		return `${file.name}: the image is damaged or cut short.`;
	case 'image_too_large':
		return `${file.name}: the image has too many pixels.`;
	default:
		return `${file.name}: ${e.message}`;
	}
}

/*
 * Uploads file, showing a row with a progress bar in list. Calls done(item)
 * on success, failed(error) when refused (the row then says why and stays
 * until dismissed).
 */
export function uploadInto(list, file, done, failed = () => {}) {
	const bar = h('progress', { max: 1, value: 0, 'aria-label': `Uploading ${file.name || 'image'}` });
	const text = h('span', { class: 'up-text', text: file.name || 'Pasted image' });
	const row = h('li', { class: 'upload' }, text, bar);
	list.append(row);
	const refuse = (message) => {
		row.classList.add('refused');
		bar.remove();
		text.textContent = message;
		text.setAttribute('role', 'alert');
		row.append(h('button', { type: 'button', class: 'quiet', text: 'Dismiss',
		    'aria-label': `Dismiss: ${message}`, onclick: () => row.remove() }));
		failed();
	};
	if (file.type && !file.type.startsWith('image/')) {
		refuse(`${file.name}: not an image.`);
		return;
	}
	api.upload(file, '', (f) => { bar.value = f; })
	    .then((item) => {
		row.classList.add('done');
		text.textContent = `${file.name || 'Image'} uploaded`;
		setTimeout(() => row.remove(), 2500);
		done(item);
	    })
	    .catch((e) => refuse(refusal(e, file)));
}

/* One card of the grid; picking: an "Insert" button that calls pick(item). */
function card(item, { pick, onDelete }) {
	const altId = newId('alt');
	const alt = h('input', { id: altId, value: item.alt || '', maxlength: 1000, autocomplete: 'off' });
	const state = h('span', { class: 'alt-state', 'aria-live': 'polite' });
	let saved = item.alt || '';
	const saveAlt = async () => {
		if (alt.value === saved)
			return;
		state.textContent = 'Saving…';
		try {
			const { data } = await api.call('PATCH', `/media/${item.id}`, { json: { alt: alt.value } });
			saved = data.alt;
			item.alt = data.alt;
			img.alt = data.alt;
			state.textContent = 'Saved';
		} catch (e) {
			state.textContent = '';
			say(`Alt text not saved: ${e.message}`, 'error');
		}
	};
	alt.addEventListener('change', saveAlt);
	alt.addEventListener('keydown', (e) => {
		if (e.key === 'Enter') {
			e.preventDefault();
			saveAlt();
		}
	});
	const img = h('img', { src: thumbUrl(item), alt: item.alt || '', loading: 'lazy',
	    width: 320, height: Math.round(320 * item.height / Math.max(1, item.width)) });
	return h('li', { class: 'card' },
	    h('div', { class: 'thumb' }, img),
	    h('div', { class: 'card-body' },
		h('label', { for: altId, text: 'Alt text' }), alt, state,
		h('p', { class: 'muted small', text: `${item.width} × ${item.height} px · ${day(item.created_at)}` }),
		h('div', { class: 'actions' },
		    pick ? h('button', { type: 'button', class: 'primary', text: 'Insert',
			'aria-label': `Insert the image “${item.alt || item.id}”`,
			onclick: async () => { await saveAlt(); pick(item); } }) : null,
		    onDelete ? h('button', { type: 'button', class: 'danger quiet', text: 'Delete',
			'aria-label': `Delete the image “${item.alt || item.id}”`,
			onclick: () => onDelete(item) }) : null)));
}

/*
 * The library: uploads area and grid, drawn into root. pick: the picker's
 * choice (insert into a post), or null on the media screen.
 */
function library(root, ctx, pick = null) {
	let page = 1;
	const grid = h('ul', { class: 'grid', 'aria-label': 'Images' });
	const pages_ = h('nav', { class: 'pager', 'aria-label': 'Pages of images' });
	const uploads = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
	const fileInput = h('input', { type: 'file', accept: 'image/*', multiple: true, hidden: true,
	    onchange: () => { add([...fileInput.files]); fileInput.value = ''; } });
	const zone = h('div', { class: 'dropzone' },
	    h('p', {}, 'Drop images here, paste them, or ',
		h('button', { type: 'button', class: 'linkish', text: 'choose files',
		    onclick: () => fileInput.click() }), '.'),
	    h('p', { class: 'muted small', text: 'JPEG, PNG, GIF or WebP.' }), fileInput);
	zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('dropping'); });
	zone.addEventListener('dragleave', () => zone.classList.remove('dropping'));
	zone.addEventListener('drop', (e) => {
		e.preventDefault();
		zone.classList.remove('dropping');
		add([...e.dataTransfer.files]);
	});
	const onPaste = (e) => {
		if (e.clipboardData && e.clipboardData.files.length) {
			e.preventDefault();
			add([...e.clipboardData.files]);
		}
	};
	document.addEventListener('paste', onPaste);

	function add(files) {
		for (const f of files)
			uploadInto(uploads, f, (item) => { say(`${f.name || 'Image'} uploaded.`, 'ok'); page = 1; load(); });
	}

	async function remove(item) {
		if (!await confirmAction('Delete this image?',
		    'Posts that show it will show a link in its place.', 'Delete image'))
			return;
		try {
			await api.call('DELETE', `/media/${item.id}`);
			say('Image deleted.', 'ok');
			load();
		} catch (e) {
			say(`Not deleted: ${e.message}`, 'error');
		}
	}

	async function load() {
		try {
			/* Media lists oldest first: the newest are its last page, read backwards. */
			const get = async (n) => (await api.call('GET', `/media?page=${n}&per_page=${PER_PAGE}`)).data;
			let data = await get(1);
			const pages = Math.max(1, Math.ceil(data.total / data.per_page));
			page = Math.min(page, pages);
			if (pages - page + 1 !== 1)
				data = await get(pages - page + 1);
			data.items.reverse();
			if (data.items.length === 0)
				grid.replaceChildren(h('li', { class: 'empty', text: 'No images yet.' }));
			else
				grid.replaceChildren(...data.items.map((item) => card(item, { pick, onDelete: pick ? null : remove })));
			pager(pages_, page, pages, (n) => { page = n; load(); });
		} catch (e) {
			grid.replaceChildren(h('li', { class: 'error', text: e.message }));
		}
	}

	root.append(zone, uploads, grid, pages_);
	load();
	return () => document.removeEventListener('paste', onPaste);
}

export function renderMedia(main, ctx) {
	main.replaceChildren(h('div', { class: 'screen-head' }, h('h1', { text: 'Media' })));
	const root = h('div', { class: 'library' });
	main.append(root);
	return library(root, ctx);
}

/* The library in a dialog; resolves the item to insert, or null. */
export function pickMedia(ctx) {
	let stop = null;
	return modal('Insert an image', (close) => {
		const root = h('div', { class: 'library picker' });
		stop = library(root, ctx, (item) => close(item));
		return h('div', {}, root, h('div', { class: 'actions' },
		    h('button', { type: 'button', text: 'Cancel', onclick: () => close(null) })));
	}, { wide: true }).finally(() => stop && stop());
}
