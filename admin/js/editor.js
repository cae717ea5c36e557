/*
 * editor: one post — title, slug, tags, kind, the Markdown text beside its
 * preview; save (also Ctrl+S / Cmd+S), publish, schedule, unpublish,
 * delete; revisions; images dropped, pasted or picked.
 *
 * Never lose text: every edit is kept in this browser (drafts.js) until the
 * server has it; a 412 (someone else saved meanwhile) shows both versions
 * and lets the writer choose; nothing is overwritten silently.
 */
import * as api from './api.js';
import { h, field, when, timeZone, modal, confirmAction, say } from './dom.js';
import { loadDraft, saveDraft, dropDraft } from './drafts.js';
import { diffView } from './diff.js';
import { statusBadge } from './posts.js';
import { uploadInto, pickMedia, mediaMarkdown } from './media.js';
import { showRevisions } from './revisions.js';

const PREVIEW_DELAY = 400;	/* ms of quiet typing before the preview is asked for */
const DRAFT_DELAY = 250;	/* ms before edits are kept in the browser */

/* The editable fields of a post, as the form holds them. */
function fieldsOf(post) {
	return {
		title: post ? post.title : '',
		slug: post ? post.slug : '',
		tags: post ? (post.tags || []).join(', ') : '',
		kind: post && post.kind ? post.kind : 'post',
		body: post ? post.body : '',
	};
}

function tagList(text) {
	return [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];
}

function sameFields(a, b) {
	return a.title === b.title && a.slug === b.slug && a.body === b.body &&
	    tagList(a.tags).join('\n') === tagList(b.tags).join('\n') && a.kind === b.kind;
}

/* An RFC 3339 time in UTC to the second ("2026-05-01T07:30:00Z"). */
function isoSeconds(d) {
	return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/* The value of a datetime-local input for a date, in the writer's time zone. */
function localInput(d) {
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export async function renderEditor(main, ctx, id) {
	const me = ctx.me;
	let post = null;		/* the version the server has */
	let etag = null;
	let saving = false;

	if (id) {
		try {
			const res = await api.call('GET', `/posts/${id}`);
			post = res.data;
			etag = res.etag;
		} catch (e) {
			main.replaceChildren(h('h1', { text: 'This post cannot be opened' }),
			    h('p', { class: 'error', text: e.status === 404 ? 'It does not exist, or is not yours to see.' : e.message }),
			    h('p', {}, h('a', { href: '#/posts', text: 'Back to the posts' })));
			return null;
		}
	}

	/* The form. */
	const title = field('Title', 'input', { name: 'title', class: 'title-input', maxlength: 300, autocomplete: 'off' });
	const slug = field('Slug', 'input', { name: 'slug', pattern: '[a-z0-9-]+', maxlength: 120, autocomplete: 'off',
	    spellcheck: 'false' }, 'Lowercase letters, digits and hyphens. Empty: made from the title.');
	const tags = field('Tags', 'input', { name: 'tags', autocomplete: 'off' }, 'Separated by commas.');
	const kind = field('Kind', 'select', { name: 'kind' }, 'A page has its own address only: no list, no feed.',
	    [['post', 'Post'], ['page', 'Page']]);
	const body = field('Text (Markdown)', 'textarea', { name: 'body', class: 'body-input', spellcheck: 'true' },
	    'Drop or paste images here to upload them. Ctrl+S saves.');
	const uploads = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
	const fileInput = h('input', { type: 'file', accept: 'image/*', multiple: true, hidden: true,
	    onchange: () => { addImages([...fileInput.files]); fileInput.value = ''; } });

	const badge = h('span');
	const saveState = h('span', { class: 'save-state', 'aria-live': 'polite' });
	const warnings = h('div', { class: 'warnings', role: 'status' });
	const recover = h('div', { class: 'banner', hidden: true, role: 'region', 'aria-label': 'Unsaved edits found' });

	const btn = (text, onclick, cls = '') => h('button', { type: 'button', class: cls, text, onclick });
	const bSave = btn('Save draft', () => save(), 'primary');
	const bPublish = btn('Publish', () => publish());
	const bSchedule = btn('Schedule…', () => schedule());
	const bUnpublish = btn('Unpublish', () => unpublish());
	const bRevisions = btn('Revisions', () => revisions());
	const bDelete = btn('Delete', () => remove(), 'danger quiet');

	const previewNote = h('p', { class: 'note', hidden: true });
	const rendered = h('div', { class: 'rendered prose' });
	const heading = h('h1', { class: 'editor-title', text: id ? 'Edit post' : 'New post' });

	main.replaceChildren(h('div', { class: 'editor' },
	    h('div', { class: 'editor-head' },
		h('div', { class: 'crumbs' }, h('a', { href: '#/posts', text: 'All posts' }), heading, badge, saveState),
		h('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Post actions' },
		    bSave, bPublish, bSchedule, bUnpublish, bRevisions, bDelete)),
	    recover, warnings,
	    h('div', { class: 'editor-grid' },
		h('section', { class: 'compose', 'aria-label': 'Writing' },
		    title.row,
		    h('div', { class: 'meta-row' }, slug.row, tags.row, kind.row),
		    h('div', { class: 'body-tools' },
			btn('Insert image…', () => insertFromLibrary(), 'quiet'),
			btn('Upload image…', () => fileInput.click(), 'quiet'), fileInput),
		    body.row, uploads),
		h('section', { class: 'preview', 'aria-labelledby': 'preview-heading' },
		    h('h2', { id: 'preview-heading', text: 'Preview' }), previewNote, rendered))));

	/* Form <-> fields. */
	const read = () => ({ title: title.input.value, slug: slug.input.value.trim(),
	    tags: tags.input.value, kind: kind.input.value, body: body.input.value });
	const fill = (f) => {
		title.input.value = f.title;
		slug.input.value = f.slug;
		tags.input.value = f.tags;
		kind.input.value = f.kind || 'post';
		body.input.value = f.body;
	};
	const dirty = () => !sameFields(read(), fieldsOf(post));

	function drawState() {
		const status = post ? post.status : 'draft';
		badge.replaceChildren(post ? statusBadge(post) : h('span', { class: 'badge draft', text: 'Not saved yet' }));
		bSave.textContent = status === 'draft' ? 'Save draft' : 'Save';
		bPublish.textContent = status === 'scheduled' ? 'Publish now' : 'Publish';
		bPublish.hidden = status === 'published';
		bSchedule.textContent = status === 'scheduled' ? 'Reschedule…' : 'Schedule…';
		bUnpublish.hidden = status === 'draft';
		bRevisions.hidden = bDelete.hidden = !post;
		for (const b of [bSave, bPublish, bSchedule, bUnpublish, bDelete])
			b.disabled = saving;
		saveState.textContent = saving ? 'Saving…' : dirty() ? 'Unsaved changes' : post ? `Saved ${when(post.updated_at)}` : '';
		saveState.dataset.dirty = dirty() ? 'yes' : 'no';
	}

	/* Keeping edits in the browser. */
	let draftTimer = null;
	function keep() {
		clearTimeout(draftTimer);
		draftTimer = null;
		if (dirty())
			saveDraft(me.id, post ? post.id : null, read(), post ? post.version : null);
		else
			dropDraft(me.id, post ? post.id : null);
	}
	function edited() {
		drawState();
		clearTimeout(draftTimer);
		draftTimer = setTimeout(keep, DRAFT_DELAY);
	}
	for (const f of [title, slug, tags, kind, body])
		f.input.addEventListener('input', edited);
	body.input.addEventListener('input', schedulePreview);

	/* Preview: Post renders the text (POST /posts/preview); without that endpoint, the last save. */
	let previewTimer = null, previewSeq = 0;
	function schedulePreview() {
		clearTimeout(previewTimer);
		previewTimer = setTimeout(preview, PREVIEW_DELAY);
	}
	function showHtml(html) {
		/* Post's own rendering (cmark, safe mode): parsed inert, never run. */
		const doc = new DOMParser().parseFromString(`<div>${html || ''}</div>`, 'text/html');
		for (const bad of doc.querySelectorAll('script, iframe, object, embed, style, link, meta, form'))
			bad.remove();
		rendered.replaceChildren(...doc.body.firstChild.childNodes);
		for (const a of rendered.querySelectorAll('a'))
			a.setAttribute('target', '_blank');
	}
	async function preview() {
		if (ctx.features.preview === false) {
			showFallback();
			return;
		}
		const seq = ++previewSeq;
		try {
			const { data } = await api.call('POST', '/posts/preview', { json: { body: body.input.value } });
			ctx.features.preview = true;
			if (seq === previewSeq) {
				/* What a save would warn of (an image Media does not have), said beside it. */
				const said = (data.warnings || []).map((w) => w.message || w.code).filter(Boolean);
				previewNote.hidden = said.length === 0;
				previewNote.textContent = said.join(' ');
				showHtml(data.html);
			}
		} catch (e) {
			if (e.status === 404 || e.status === 405) {
				ctx.features.preview = false;
				showFallback();
			} else if (seq === previewSeq) {
				previewNote.hidden = false;
				previewNote.textContent = `The preview failed: ${e.message}`;
			}
		}
	}
	function showFallback() {
		previewNote.hidden = false;
		previewNote.textContent = post
		    ? 'Live preview is not available on this server yet: this is the last saved version, as Post rendered it. Save to see your changes.'
		    : 'Live preview is not available on this server yet: save the post to see it rendered.';
		showHtml(post ? post.html : '');
	}

	/* Saving. */
	function payload(extra, base) {
		const f = read(), b = fieldsOf(base);
		const p = {};
		if (!base || f.title !== b.title)
			p.title = f.title;
		if (!base || f.body !== b.body)
			p.body = f.body;
		if ((!base && f.slug) || (base && f.slug !== b.slug && f.slug))
			p.slug = f.slug;
		if (!base || tagList(f.tags).join('\n') !== tagList(b.tags).join('\n'))
			p.tags = tagList(f.tags);
		if (!base || f.kind !== b.kind)
			p.kind = f.kind;
		return { ...p, ...extra };
	}

	function took(res, message) {
		post = res.data;
		etag = res.etag;
		const typed = read();
		/* What was typed while saving stays; what was saved is the new base. */
		const f = fieldsOf(post);
		if (!slug.input.value.trim() || slug.input.value.trim() === typed.slug)
			slug.input.value = f.slug;
		keep();
		heading.textContent = 'Edit post';
		drawState();
		warnings.replaceChildren(...(Array.isArray(post.warnings) ? post.warnings : []).map((w) =>
		    h('p', { class: 'warning', text: typeof w === 'string' ? w : (w.message || JSON.stringify(w)) })));
		if (ctx.features.preview !== true)
			showFallback();
		say(message, 'ok');
	}

	async function save(extra = {}, message = 'Saved.') {
		if (saving)
			return;
		keep();
		const p = payload(extra, post);
		if (post && Object.keys(p).length === 0) {
			say('Nothing to save: no changes.');
			return;
		}
		saving = true;
		drawState();
		try {
			if (!post) {
				const res = await api.call('POST', '/posts', { json: p });
				dropDraft(me.id, null);
				history.replaceState(null, '', `#/posts/${res.data.id}`);
				took(res, message);
			} else {
				took(await api.call('PATCH', `/posts/${post.id}`, { json: p, headers: { 'If-Match': etag } }), message);
			}
		} catch (e) {
			if (e.status === 412) {
				saving = false;
				drawState();
				await conflict(extra, message);
				return;
			}
			say(`Not saved: ${e.message}`, 'error');
		} finally {
			saving = false;
			drawState();
		}
	}

	/* 412: the post changed since it was opened. Both versions side by side; the writer chooses. */
	async function conflict(extra, message) {
		let theirs;
		try {
			theirs = await api.call('GET', `/posts/${post.id}`);
		} catch (e) {
			say(`Not saved, and the current version cannot be read: ${e.message}`, 'error');
			return;
		}
		const mine = read(), other = fieldsOf(theirs.data);
		const column = (label, f) => h('section', { class: 'version', 'aria-label': label },
		    h('h3', { text: label }),
		    h('p', { class: 'v-title', text: f.title }),
		    h('p', { class: 'muted', text: `Tags: ${tagList(f.tags).join(', ') || 'none'} · Slug: ${f.slug || '(from the title)'}` }),
		    h('pre', { class: 'v-body', tabindex: 0, text: f.body }));
		const choice = await modal('Someone else saved this post meanwhile', (close) => h('div', {},
		    h('p', { text: `Version ${theirs.data.version} was saved ${when(theirs.data.updated_at)} while you were editing. ` +
			'Nothing has been overwritten. Choose which version to keep.' }),
		    h('div', { class: 'versions' }, column('Your version (not saved)', mine),
			column(`Saved version ${theirs.data.version}`, other)),
		    h('h3', { text: 'Differences in the text' }),
		    diffView(other.body, mine.body, ['the saved version', 'your version']),
		    h('div', { class: 'actions' },
			h('button', { type: 'button', class: 'primary', text: 'Keep my version', onclick: () => close('mine') }),
			h('button', { type: 'button', text: 'Use the saved version', onclick: () => close('theirs') }),
			h('button', { type: 'button', class: 'quiet', text: 'Decide later', onclick: () => close(null) }))),
		{ wide: true });
		if (choice === 'mine') {
			post = theirs.data;
			etag = theirs.etag;
			await save(extra, message);
		} else if (choice === 'theirs') {
			post = theirs.data;
			etag = theirs.etag;
			fill(fieldsOf(post));
			keep();
			drawState();
			preview();
			say('The saved version is in the editor.', 'ok');
		} else {
			say('Not saved. Your text is kept in this browser.');
		}
	}

	const publish = () => save({ status: 'published', published_at: null }, 'Published.');
	const unpublish = () => save({ status: 'draft' }, 'Unpublished: the post is a draft again.');

	async function schedule() {
		const zone = timeZone();
		const start = post && post.status === 'scheduled' ? new Date(post.published_at) : new Date(Date.now() + 3600e3);
		const at = field('Publish at', 'input', { type: 'datetime-local', value: localInput(start), required: true },
		    `Your time zone${zone ? `: ${zone}` : ''}.`);
		const err = h('p', { class: 'error', role: 'alert' });
		const iso = await modal('Schedule this post', (close) => h('form', {
			onsubmit: (e) => {
				e.preventDefault();
				const d = new Date(at.input.value);
				if (Number.isNaN(d.getTime()) || d.getTime() <= Date.now()) {
					err.textContent = 'Choose a time in the future.';
					return;
				}
				close(isoSeconds(d));
			} },
		    at.row, err,
		    h('div', { class: 'actions' },
			h('button', { type: 'submit', class: 'primary', text: 'Schedule' }),
			h('button', { type: 'button', text: 'Cancel', onclick: () => close(null) }))));
		if (iso)
			await save({ status: 'scheduled', published_at: iso }, `Scheduled for ${when(iso)}.`);
	}

	async function remove() {
		if (!post)
			return;
		if (!await confirmAction('Delete this post?',
		    `“${post.title}” and all its revisions will be gone for good.`, 'Delete post'))
			return;
		try {
			await api.call('DELETE', `/posts/${post.id}`, { headers: { 'If-Match': etag } });
			dropDraft(me.id, post.id);
			post = null;
			say('Post deleted.', 'ok');
			location.hash = '#/posts';
		} catch (e) {
			say(e.status === 412 ? 'Not deleted: someone changed the post meanwhile. Reload it first.' : `Not deleted: ${e.message}`, 'error');
		}
	}

	async function revisions() {
		const chosen = await showRevisions(post, read());
		if (!chosen)
			return;
		fill({ ...read(), title: chosen.title, body: chosen.body, slug: chosen.slug,
		    tags: (chosen.tags || []).join(', ') });
		edited();
		preview();
		say(`Version ${chosen.version} is in the editor. Save to keep it.`, 'ok');
	}

	/* Images into the text. */
	function insertText(text) {
		const ta = body.input;
		ta.focus();
		if (!document.execCommand('insertText', false, text))
			ta.setRangeText(text, ta.selectionStart, ta.selectionEnd, 'end');
		ta.dispatchEvent(new Event('input'));
	}
	function replaceText(from, to) {
		const ta = body.input;
		const at = ta.value.indexOf(from);
		if (at < 0)
			return;
		const caret = ta.selectionStart;
		ta.setRangeText(to, at, at + from.length, 'preserve');
		if (caret > at)
			ta.setSelectionRange(caret + to.length - from.length, caret + to.length - from.length);
		ta.dispatchEvent(new Event('input'));
	}
	let uploadSeq = 0;
	function addImages(files) {
		for (const file of files) {
			const mark = `![Uploading ${(file.name || 'image').replace(/[[\]]/g, '')}…](uploading:${++uploadSeq})`;
			insertText(`${mark}\n`);
			uploadInto(uploads, file, (item) => replaceText(mark, mediaMarkdown(item)),
			    () => replaceText(`${mark}\n`, ''));
		}
	}
	const imagesIn = (dt) => dt && [...dt.files].length > 0;
	body.input.addEventListener('dragover', (e) => {
		if (e.dataTransfer && [...e.dataTransfer.types].includes('Files')) {
			e.preventDefault();
			body.input.classList.add('dropping');
		}
	});
	body.input.addEventListener('dragleave', () => body.input.classList.remove('dropping'));
	body.input.addEventListener('drop', (e) => {
		body.input.classList.remove('dropping');
		if (!imagesIn(e.dataTransfer))
			return;
		e.preventDefault();
		addImages([...e.dataTransfer.files]);
	});
	body.input.addEventListener('paste', (e) => {
		if (!imagesIn(e.clipboardData))
			return;
		e.preventDefault();
		addImages([...e.clipboardData.files]);
	});
	async function insertFromLibrary() {
		const item = await pickMedia(ctx);
		if (item)
			insertText(mediaMarkdown(item));
	}

	/* Ctrl+S / Cmd+S. */
	const onKey = (e) => {
		if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 's') {
			e.preventDefault();
			save();
		}
	};
	document.addEventListener('keydown', onKey);
	const onHide = () => keep();
	window.addEventListener('pagehide', onHide);

	/* Start: the server's version, then any edits kept in this browser, offered back. */
	fill(fieldsOf(post));
	const kept = loadDraft(me.id, id);
	if (kept && !sameFields({ ...fieldsOf(null), ...kept }, fieldsOf(post))) {
		const stale = post && kept.base !== null && kept.base !== post.version;
		recover.hidden = false;
		recover.replaceChildren(
		    h('p', { text: `Edits you did not save (${when(kept.at)}) are kept in this browser.` +
			(stale ? ` The post was saved by someone since (now version ${post.version}).` : '') }),
		    h('div', { class: 'actions' },
			h('button', { type: 'button', class: 'primary', text: 'Restore my edits', onclick: () => {
				fill({ ...fieldsOf(post), ...kept });
				recover.hidden = true;
				if (stale) {
					/* Based on an older version: saving goes through the choice of versions. */
					etag = '"stale-draft"';
				}
				edited();
				preview();
				body.input.focus();
			} }),
			h('button', { type: 'button', text: 'Discard them', onclick: () => {
				dropDraft(me.id, id);
				recover.hidden = true;
				title.input.focus();
			} })));
	}
	drawState();
	preview();

	return () => {
		keep();
		document.removeEventListener('keydown', onKey);
		window.removeEventListener('pagehide', onHide);
		clearTimeout(previewTimer);
	};
}
