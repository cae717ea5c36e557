/*
 * settings (admins): the reader site's settings, GET and PATCH
 * /posts/settings — title, description, language, posts per page and the
 * navigation (an ordered list of links, at most NAV_MAX).
 *
 * Saved with If-Match: when someone else saved meanwhile (412), both
 * versions are shown and the admin chooses; nothing is overwritten
 * silently. The API checks every field; its refusal is shown beside the
 * field it names.
 */
import * as api from './api.js';
import { h, field, newId, when, modal, say } from './dom.js';

const NAV_MAX = 20;		/* Post's SETTINGS_NAV_MAX */
const FIELDS = ['title', 'description', 'language', 'posts_per_page', 'navigation'];
const LABELS = {
	title: 'Site title', description: 'Description', language: 'Language',
	posts_per_page: 'Posts per page', navigation: 'Navigation',
};

/* The editable part of the settings, as the API has them. */
function editable(s) {
	return {
		title: s.title || '', description: s.description || '', language: s.language || '',
		posts_per_page: s.posts_per_page, navigation: (s.navigation || []).map((l) => ({ label: l.label, url: l.url })),
	};
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/* Navigation as one line of text, for the choice of versions. */
function navText(nav) {
	return nav.length ? nav.map((l) => `${l.label} → ${l.url}`).join('\n') : '(no links)';
}

/* The API's names of fields, as the form says them. */
function humanName(f) {
	if (f.name === 'navigation')
		return f.part === 'url' ? 'The address' : f.part === 'label' ? 'The label' : 'The navigation';
	return { title: 'The title', description: 'The description', language: 'The language',
	    posts_per_page: 'Posts per page' }[f.name];
}

/*
 * Reads the field an API error names: "title", or "navigation" with the
 * link's index and part ("navigation[2].url"). Returns { name, index, part } or null.
 */
function namedField(message) {
	const m = /"([a-z_]+)(?:\[(\d+)\](?:\.(label|url))?)?"/.exec(message || '');
	if (!m || !FIELDS.includes(m[1]))
		return null;
	return { name: m[1], index: m[2] === undefined ? null : Number(m[2]), part: m[3] || null };
}

export async function renderSettings(main) {
	let res;
	try {
		res = await api.call('GET', '/posts/settings');
	} catch (e) {
		main.replaceChildren(h('div', { class: 'screen-head' }, h('h1', { text: 'Site settings' })),
		    h('section', { class: 'panel' }, h('p', { class: 'error', text: `The settings cannot be read: ${e.message}` })));
		return null;
	}
	let saved = res.data;		/* the version the server has */
	let etag = res.etag;
	let saving = false;

	/* The form: a field each, and an error line beside each. */
	const errorOf = (id) => h('p', { class: 'error field-error', id, role: 'alert' });
	const withError = (f) => {
		const err = errorOf(`${f.input.id}-error`);
		const described = [f.input.getAttribute('aria-describedby'), err.id].filter(Boolean).join(' ');
		f.input.setAttribute('aria-describedby', described);
		f.row.append(err);
		return { ...f, err };
	};
	const title = withError(field(LABELS.title, 'input', { name: 'title', autocomplete: 'off' },
	    'On every page of the site and in its feeds. 1 to 200 characters.'));
	const description = withError(field(LABELS.description, 'textarea', { name: 'description', rows: 3 },
	    'A sentence or two for the home page and search engines. At most 500 characters.'));
	const language = withError(field(LABELS.language, 'input', { name: 'language', autocomplete: 'off',
	    spellcheck: 'false', class: 'short' }, 'A language tag such as en, fr-CA or zh-Hant-TW.'));
	const perPage = withError(field(LABELS.posts_per_page, 'input', { name: 'posts_per_page', type: 'number',
	    min: 1, max: 50, step: 1, inputmode: 'numeric', class: 'short' }, 'On the home page, tag and author pages: 1 to 50.'));
	const inputs = { title, description, language, posts_per_page: perPage };

	/* Navigation: an ordered list of label + URL rows. */
	const navList = h('ol', { class: 'nav-links' });
	const navCount = h('span', { class: 'muted small', 'aria-live': 'polite' });
	const navErr = errorOf(newId('nav-error'));
	const navHintId = newId('nav-hint');
	const addLink = h('button', { type: 'button', text: 'Add link', onclick: () => {
		addRow({ label: '', url: '' }).label.focus();
		edited();
	} });
	const navSet = h('fieldset', { class: 'nav-field', 'aria-describedby': `${navHintId} ${navErr.id}` },
	    h('legend', { text: LABELS.navigation }),
	    h('p', { class: 'hint', id: navHintId,
		text: `The links at the top of every page, in this order: a path of the site (/about/) or an http(s) URL. At most ${NAV_MAX}.` }),
	    navList,
	    h('div', { class: 'nav-foot' }, addLink, navCount),
	    navErr);

	function rows() {
		return [...navList.children];
	}
	function renumber() {
		const all = rows();
		all.forEach((li, i) => {
			const n = i + 1;
			li.querySelector('.nav-n').textContent = `${n}.`;
			li.querySelector('.up').disabled = i === 0;
			li.querySelector('.down').disabled = i === all.length - 1;
			for (const b of li.querySelectorAll('button'))
				b.setAttribute('aria-label', `${b.dataset.verb} link ${n}`);
		});
		addLink.disabled = all.length >= NAV_MAX;
		navCount.textContent = all.length >= NAV_MAX ? `${NAV_MAX} links: the most there may be.`
		    : `${all.length} of ${NAV_MAX} links.`;
	}
	function addRow(link) {
		const lid = newId('nav-label'), uid = newId('nav-url');
		const label = h('input', { id: lid, class: 'nav-label', value: link.label, autocomplete: 'off', maxlength: 40 });
		const url = h('input', { id: uid, class: 'nav-url', value: link.url, autocomplete: 'off', spellcheck: 'false',
		    placeholder: '/about/' });
		const err = h('p', { class: 'error field-error', role: 'alert' });
		const li = h('li', { class: 'nav-row' });
		const move = (dir) => {
			const other = dir < 0 ? li.previousElementSibling : li.nextElementSibling;
			if (!other)
				return;
			if (dir < 0)
				other.before(li);
			else
				other.after(li);
			renumber();
			edited();
			/* Focus stays on the moved row's button, or its twin when that one is now disabled. */
			const b = li.querySelector(dir < 0 ? '.up' : '.down');
			(b.disabled ? li.querySelector(dir < 0 ? '.down' : '.up') : b).focus();
		};
		const tool = (cls, verb, text, onclick) => h('button', { type: 'button', class: `quiet ${cls}`, text,
		    'data-verb': verb, onclick });
		li.append(
		    h('span', { class: 'nav-n', 'aria-hidden': 'true' }),
		    h('div', { class: 'nav-cell' }, h('label', { for: lid, text: 'Label' }), label),
		    h('div', { class: 'nav-cell nav-cell-url' }, h('label', { for: uid, text: 'Address' }), url),
		    h('div', { class: 'nav-tools' },
			tool('up', 'Move up', '↑', () => move(-1)),
			tool('down', 'Move down', '↓', () => move(1)),
			tool('remove danger', 'Remove', 'Remove', () => {
				const next = li.nextElementSibling || li.previousElementSibling;
				li.remove();
				renumber();
				edited();
				(next ? next.querySelector('.nav-label') : addLink).focus();
			})),
		    err);
		label.addEventListener('input', edited);
		url.addEventListener('input', edited);
		navList.append(li);
		renumber();
		return { label, url };
	}

	const saveState = h('span', { class: 'save-state', 'aria-live': 'polite' });
	const formErr = h('p', { class: 'error', role: 'alert' });
	const bSave = h('button', { type: 'submit', class: 'primary', text: 'Save settings' });
	const form = h('form', { class: 'settings-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); save(); } },
	    h('section', { class: 'panel', 'aria-labelledby': 'set-site' },
		h('h2', { id: 'set-site', text: 'The site' }),
		title.row, description.row,
		h('div', { class: 'two' }, language.row, perPage.row)),
	    h('section', { class: 'panel', 'aria-labelledby': 'set-nav' },
		h('h2', { id: 'set-nav', text: 'Navigation' }), navSet),
	    formErr,
	    h('div', { class: 'actions form-actions' }, bSave, saveState));
	/* The navigation's legend says "Navigation" already: the panel's heading stands for it. */
	navSet.querySelector('legend').classList.add('sr-only');

	main.replaceChildren(
	    h('div', { class: 'screen-head' },
		h('h1', { text: 'Site settings' }),
		h('a', { class: 'button', href: '/', target: '_blank', rel: 'noopener', text: 'View the site' })),
	    form);

	/* Form <-> settings. */
	function read() {
		const n = perPage.input.value.trim();
		return {
			title: title.input.value, description: description.input.value,
			language: language.input.value.trim(),
			posts_per_page: /^-?\d+$/.test(n) ? Number(n) : n === '' ? null : Number(n),
			navigation: rows().map((li) => ({ label: li.querySelector('.nav-label').value,
			    url: li.querySelector('.nav-url').value.trim() })),
		};
	}
	function fill(s) {
		const e = editable(s);
		title.input.value = e.title;
		description.input.value = e.description;
		language.input.value = e.language;
		perPage.input.value = String(e.posts_per_page);
		navList.replaceChildren();
		e.navigation.forEach(addRow);
		renumber();
	}
	const changes = () => {
		const now = read(), was = editable(saved), out = {};
		for (const k of FIELDS)
			if (!same(now[k], was[k]))
				out[k] = now[k];
		return out;
	};
	function drawState() {
		const dirty = Object.keys(changes()).length > 0;
		bSave.disabled = saving;
		saveState.textContent = saving ? 'Saving…' : dirty ? 'Unsaved changes' : `Saved ${when(saved.updated_at)}`;
		saveState.dataset.dirty = dirty ? 'yes' : 'no';
	}
	function clearErrors() {
		formErr.textContent = '';
		for (const el of form.querySelectorAll('.field-error'))
			el.textContent = '';
		for (const el of form.querySelectorAll('[aria-invalid]'))
			el.removeAttribute('aria-invalid');
	}
	function edited() {
		drawState();
	}
	for (const f of Object.values(inputs))
		f.input.addEventListener('input', edited);

	/* Shows an API refusal beside the field it names, else above the button. */
	function showError(e) {
		const f = namedField(e.message);
		let target = null, input = null;
		if (f && f.name !== 'navigation') {
			target = inputs[f.name].err;
			input = inputs[f.name].input;
		} else if (f && f.index !== null && rows()[f.index]) {
			const li = rows()[f.index];
			target = li.querySelector('.field-error');
			input = li.querySelector(f.part === 'url' ? '.nav-url' : '.nav-label');
		} else if (f) {
			target = navErr;
			input = rows().length ? rows()[0].querySelector('.nav-label') : addLink;
		}
		if (!target) {
			formErr.textContent = `Not saved: ${e.message}`;
			return;
		}
		/* The message names the field as the API does ("navigation[1].url"): said as the form does. */
		target.textContent = e.message.replace(/^(field )?"[^"]*"/, humanName(f));
		if (input.tagName !== 'BUTTON')
			input.setAttribute('aria-invalid', 'true');
		input.focus();
	}

	async function save() {
		if (saving)
			return;
		clearErrors();
		const change = changes();
		if (Object.keys(change).length === 0) {
			say('Nothing to save: no changes.');
			return;
		}
		saving = true;
		drawState();
		try {
			res = await api.call('PATCH', '/posts/settings', { json: change, headers: { 'If-Match': etag } });
			saved = res.data;
			etag = res.etag;
			fill(saved);
			say('Settings saved. The site shows them on its next page view.', 'ok');
		} catch (e) {
			if (e.status === 412) {
				saving = false;
				drawState();
				await conflict();
				return;
			}
			if (e.status === 400)
				showError(e);
			else
				formErr.textContent = `Not saved: ${e.message}`;
			say('Not saved.', 'error');
		} finally {
			saving = false;
			drawState();
		}
	}

	/* 412: saved by someone else meanwhile. Both versions side by side; the admin chooses. */
	async function conflict() {
		let theirs;
		try {
			theirs = await api.call('GET', '/posts/settings');
		} catch (e) {
			formErr.textContent = `Not saved, and the current settings cannot be read: ${e.message}`;
			return;
		}
		/* What this admin changed, from the version the form was loaded with. */
		const edits = changes();
		const mine = read(), other = editable(theirs.data);
		const show = (k, v) => k === 'navigation' ? navText(v) : v === null || v === '' ? '(empty)' : String(v);
		const differ = FIELDS.filter((k) => !same(mine[k], other[k]));
		const table = differ.length ? differ : FIELDS;
		const choice = await modal('Someone else saved the settings meanwhile', (close) => h('div', {},
		    h('p', { text: `They were saved ${when(theirs.data.updated_at)} while you were editing. ` +
			'Nothing has been overwritten. Choose which settings to keep.' }),
		    h('div', { class: 'table-wrap' }, h('table', { class: 'settings-diff' },
			h('caption', { class: 'sr-only', text: 'Settings that differ' }),
			h('thead', {}, h('tr', {},
			    h('th', { scope: 'col', text: 'Setting' }),
			    h('th', { scope: 'col', text: 'Your version (not saved)' }),
			    h('th', { scope: 'col', text: 'Saved version' }))),
			h('tbody', {}, table.map((k) => h('tr', {},
			    h('th', { scope: 'row', text: LABELS[k] }),
			    h('td', { class: 'pre', text: show(k, mine[k]) }),
			    h('td', { class: 'pre', text: show(k, other[k]) })))))),
		    h('div', { class: 'actions' },
			h('button', { type: 'button', class: 'primary', text: 'Keep my version', onclick: () => close('mine') }),
			h('button', { type: 'button', text: 'Load the saved settings', onclick: () => close('theirs') }),
			h('button', { type: 'button', class: 'quiet', text: 'Decide later', onclick: () => close(null) }))),
		{ wide: true });
		if (choice === 'mine') {
			/* My changes over their version: the fields I did not touch stay theirs. */
			saved = theirs.data;
			etag = theirs.etag;
			fill({ ...theirs.data, ...edits });
			await save();
		} else if (choice === 'theirs') {
			saved = theirs.data;
			etag = theirs.etag;
			fill(saved);
			drawState();
			say('The saved settings are in the form.', 'ok');
		} else {
			say('Not saved. Your changes are still in the form.');
		}
	}

	fill(saved);
	drawState();
	/* Leaving with unsaved changes: the browser asks first. */
	const onLeave = (e) => {
		if (Object.keys(changes()).length > 0) {
			e.preventDefault();
			e.returnValue = '';
		}
	};
	window.addEventListener('beforeunload', onLeave);
	return () => window.removeEventListener('beforeunload', onLeave);
}
