/*
 * settings (admins): the reader site's settings, GET/PATCH /posts/settings,
 * once Post has them; until then this screen says so.
 */
import * as api from './api.js';
import { h, field, say } from './dom.js';

export async function renderSettings(main) {
	main.replaceChildren(h('div', { class: 'screen-head' }, h('h1', { text: 'Site settings' })));
	let res;
	try {
		res = await api.call('GET', '/posts/settings');
	} catch (e) {
		main.append(h('section', { class: 'panel' },
		    h('p', { text: e.status === 404 || e.status === 405
			? 'The reader site’s settings (title, description, language, posts per page, navigation) will be edited here once this server has them.'
			: `The settings cannot be read: ${e.message}` })));
		return;
	}
	/* Whatever the settings are, a field each: text, numbers, and JSON for the rest. */
	const data = res.data || {};
	const inputs = {};
	const form = h('form', { class: 'stack-form', onsubmit: async (e) => {
		e.preventDefault();
		const change = {};
		for (const [k, input] of Object.entries(inputs)) {
			const old = data[k];
			let v = input.value;
			if (typeof old === 'number')
				v = Number(v);
			else if (typeof old !== 'string') {
				try {
					v = JSON.parse(v);
				} catch {
					say(`${k}: not valid JSON.`, 'error');
					input.focus();
					return;
				}
			}
			if (JSON.stringify(v) !== JSON.stringify(old))
				change[k] = v;
		}
		try {
			const headers = res.etag ? { 'If-Match': res.etag } : {};
			res = await api.call('PATCH', '/posts/settings', { json: change, headers });
			Object.assign(data, res.data || {});
			say('Settings saved.', 'ok');
		} catch (e2) {
			say(`Not saved: ${e2.message}`, 'error');
		}
	} });
	for (const [k, v] of Object.entries(data)) {
		const label = k.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
		const f = typeof v === 'string' || typeof v === 'number'
		    ? field(label, 'input', { type: typeof v === 'number' ? 'number' : 'text', value: String(v) })
		    : field(label, 'textarea', { class: 'json', value: JSON.stringify(v, null, 2) }, 'JSON');
		inputs[k] = f.input;
		form.append(f.row);
	}
	form.append(h('button', { type: 'submit', class: 'primary', text: 'Save settings' }));
	main.append(h('section', { class: 'panel' }, form));
}
