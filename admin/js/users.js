/* users (admins): list, create, change display name and role, disable, delete. */
import * as api from './api.js';
import { h, field, when, confirmAction, say, newId, pager } from './dom.js';

const ROLES = [['author', 'Author'], ['editor', 'Editor'], ['admin', 'Admin']];
const PER_PAGE = 50;

export function renderUsers(main, ctx) {
	let page = 1;
	const table = h('div', { class: 'table-wrap' });
	const nav = h('nav', { class: 'pager', 'aria-label': 'Pages of users' });

	const name = field('Username', 'input', { required: true, minlength: 3, maxlength: 64,
	    pattern: '[a-z0-9_.\\-]+', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' },
	'3 to 64 of a–z, 0–9, “_”, “.” and “-”.');
	const pass = field('Password', 'input', { type: 'password', required: true, minlength: 10,
	    autocomplete: 'new-password' }, 'At least 10 characters.');
	const display = field('Display name', 'input', { maxlength: 100, autocomplete: 'off' },
	    'Optional: shown on their pages instead of the username.');
	const role = field('Role', 'select', {}, null, ROLES);
	const err = h('p', { class: 'error', role: 'alert' });
	const form = h('form', { class: 'inline-form', 'aria-labelledby': 'new-user-h',
		onsubmit: async (e) => {
			e.preventDefault();
			err.textContent = '';
			try {
				const dn = display.input.value.trim();
				const { data } = await api.call('POST', '/auth/users', { json: {
				    username: name.input.value.trim(), password: pass.input.value, role: role.input.value,
				    display_name: dn === '' ? null : dn } });
				form.reset();
				say(`User ${data.username} created.`, 'ok');
				load();
			} catch (e2) {
				err.textContent = e2.message;
			}
		} },
	    name.row, pass.row, display.row, role.row, h('button', { type: 'submit', class: 'primary', text: 'Create user' }), err);

	main.replaceChildren(
	    h('div', { class: 'screen-head' }, h('h1', { text: 'Users' })),
	    table, nav,
	    h('section', { class: 'panel' }, h('h2', { id: 'new-user-h', text: 'New user' }), form));

	async function patch(user, change, what) {
		table.setAttribute('aria-busy', 'true');
		try {
			await api.call('PATCH', `/auth/users/${user.id}`, { json: change });
			say(`${user.username}: ${what}.`, 'ok');
		} catch (e) {
			say(`${user.username}: ${e.message}`, 'error');
		}
		load();
	}

	function row(user) {
		const self = user.id === ctx.me.id;
		const roleId = newId('role');
		const roleSel = h('select', { id: roleId, 'aria-label': `Role of ${user.username}`,
		    onchange: () => patch(user, { role: roleSel.value }, `now ${roleSel.value}`) },
		ROLES.map(([v, t]) => h('option', { value: v, text: t, selected: user.role === v })));
		const dnInput = h('input', { type: 'text', maxlength: 100, value: user.display_name || '',
		    placeholder: user.username, 'aria-label': `Display name of ${user.username}`,
		    onchange: () => {
			const v = dnInput.value.trim();
			patch(user, { display_name: v === '' ? null : v },
			    v === '' ? 'shown by username' : `shown as “${v}”`);
		    } });
		return h('tr', { class: user.disabled ? 'disabled' : null },
		    h('th', { scope: 'row' }, h('span', { text: user.username }),
			self ? h('span', { class: 'badge', text: 'you' }) : null),
		    h('td', {}, dnInput),
		    h('td', {}, roleSel),
		    h('td', {}, h('span', { class: `badge ${user.disabled ? 'off' : 'on'}`,
			text: user.disabled ? 'Disabled' : 'Active' })),
		    h('td', {}, h('time', { datetime: user.created_at, text: when(user.created_at) })),
		    h('td', { class: 'row-actions' },
			h('button', { type: 'button', class: 'quiet',
			    text: user.disabled ? 'Enable' : 'Disable',
			    'aria-label': `${user.disabled ? 'Enable' : 'Disable'} ${user.username}`,
			    onclick: () => patch(user, { disabled: !user.disabled },
				user.disabled ? 'enabled' : 'disabled; their sessions are ended') }),
			h('button', { type: 'button', class: 'danger quiet', text: 'Delete',
			    'aria-label': `Delete ${user.username}`,
			    onclick: async () => {
				if (!await confirmAction(`Delete ${user.username}?`,
				    'The account goes for good; their posts stay.', 'Delete user'))
					return;
				try {
					await api.call('DELETE', `/auth/users/${user.id}`);
					say(`${user.username} deleted.`, 'ok');
				} catch (e) {
					say(`${user.username}: ${e.message}`, 'error');
				}
				load();
			    } })));
	}

	async function load() {
		table.setAttribute('aria-busy', 'true');
		try {
			const { data } = await api.call('GET', `/auth/users?page=${page}&per_page=${PER_PAGE}`);
			const pages = Math.max(1, Math.ceil(data.total / data.per_page));
			table.replaceChildren(h('table', { class: 'users' },
			    h('caption', { class: 'sr-only', text: 'Users' }),
			    h('thead', {}, h('tr', {},
				['User', 'Display name', 'Role', 'State', 'Since', 'Actions'].map((t) => h('th', { scope: 'col', text: t })))),
			    h('tbody', {}, data.items.map(row))));
			pager(nav, page, pages, (n) => { page = n; load(); });
		} catch (e) {
			table.replaceChildren(h('p', { class: 'error', text: e.message }));
		} finally {
			table.removeAttribute('aria-busy');
		}
	}
	load();
}
