/*
 * dom: building elements. Text always goes in as text (textContent or text
 * nodes), never as markup: a title, tag, alt text or user name holding
 * "<script>" shows as those characters.
 */

/*
 * h(tag, attrs, ...children): a new element.
 * attrs: "class", "text" (textContent), "on<event>" (listener), properties
 * that are DOM properties of inputs (value, checked, disabled, hidden,
 * selected), anything else as an attribute (false/null: left out).
 * children: nodes, strings (as text), arrays of those, null (skipped).
 */
export function h(tag, attrs = {}, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k === 'class')
			el.className = v;
		else if (k === 'text')
			el.textContent = String(v);
		else if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden' ||
		    k === 'selected' || k === 'indeterminate')
			el[k] = v;
		else
			el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

/* Appends children (nodes, strings as text, arrays, null skipped) to el. */
export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

let uid = 0;
/* Returns a fresh id for pairing a label with its control. */
export function newId(prefix = 'f') {
	return `${prefix}-${++uid}`;
}

/*
 * A labelled field: returns { row, input }. kind is "input", "textarea" or
 * "select"; attrs go to the control; hint is a short text under it.
 */
export function field(label, kind = 'input', attrs = {}, hint = null, options = []) {
	const id = attrs.id || newId();
	const hintId = hint ? `${id}-hint` : null;
	const control = h(kind, { ...attrs, id, 'aria-describedby': hintId },
	    options.map(([value, text]) => h('option', { value, text })));
	const row = h('div', { class: 'field' },
	    h('label', { for: id, text: label }),
	    control,
	    hint ? h('p', { class: 'hint', id: hintId, text: hint }) : null);
	return { row, input: control };
}

/* Formats an RFC 3339 time in the writer's time zone, or "" for null. */
export function when(iso) {
	if (!iso)
		return '';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime()))
		return iso;
	return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/* The writer's time zone name ("Europe/Paris"), or "" when unknown. */
export function timeZone() {
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
	} catch {
		return '';
	}
}

/*
 * Opens a modal <dialog> built by build(close) (close(value) ends it).
 * Returns a promise of the value passed to close, or null on Escape.
 * Focus goes back to what had it.
 */
export function modal(title, build, { wide = false } = {}) {
	return new Promise((resolve) => {
		const back = document.activeElement;
		const titleId = newId('dlg');
		const dlg = h('dialog', { class: wide ? 'wide' : null, 'aria-labelledby': titleId });
		let done = false;
		const close = (value) => {
			if (done)
				return;
			done = true;
			dlg.close();
			dlg.remove();
			if (back && back.focus)
				back.focus();
			resolve(value);
		};
		dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });
		append(dlg, [h('h2', { id: titleId, text: title }), build(close)]);
		document.body.append(dlg);
		dlg.showModal();
	});
}

/* Asks to confirm a destructive action. Resolves true or false. */
export async function confirmAction(title, text, action) {
	const ok = await modal(title, (close) => h('div', {},
	    h('p', { text }),
	    h('div', { class: 'actions' },
		h('button', { type: 'button', class: 'danger', text: action,
		    onclick: () => close(true) }),
		h('button', { type: 'button', text: 'Cancel', autofocus: true,
		    onclick: () => close(false) }))));
	return ok === true;
}

let statusTimer = null;
/* Shows a short message in the live region (kind: "ok", "error", "info"). */
export function say(text, kind = 'info') {
	const s = document.getElementById('status');
	if (!s)
		return;
	s.textContent = text;
	s.dataset.kind = kind;
	s.classList.add('shown');
	clearTimeout(statusTimer);
	statusTimer = setTimeout(() => s.classList.remove('shown'), kind === 'error' ? 8000 : 4000);
}

/* Fills nav with Previous / "Page n of m" / Next; go(n) shows page n. */
export function pager(nav, page, pages, go) {
	nav.replaceChildren(
	    h('button', { type: 'button', text: 'Previous', disabled: page <= 1, onclick: () => go(page - 1) }),
	    h('span', { text: `Page ${page} of ${pages}` }),
	    h('button', { type: 'button', text: 'Next', disabled: page >= pages, onclick: () => go(page + 1) }));
}
