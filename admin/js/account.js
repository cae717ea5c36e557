/* account: everyone's own display name and password, and ending every session. */
import * as api from './api.js';
import { h, field, say, confirmAction } from './dom.js';

/*
 * The display name form: sets it in Auth, then takes a fresh token that
 * carries it and shows it to Post, which re-renders the pages naming it.
 */
function displayNameForm(ctx) {
	const dn = field('Display name', 'input', { maxlength: 100, autocomplete: 'name',
	    value: ctx.me.display_name || '' }, `Shown on your pages instead of “${ctx.me.username}”; leave empty to show the username. At most 100 characters.`);
	const err = h('p', { class: 'error', role: 'alert' });
	return h('form', { class: 'stack-form', 'aria-labelledby': 'dn-h',
		onsubmit: async (e) => {
			e.preventDefault();
			err.textContent = '';
			const v = dn.input.value.trim();
			try {
				const { data } = await api.call('PATCH', `/auth/users/${ctx.me.id}`,
				    { json: { display_name: v === '' ? null : v } });
				ctx.me.display_name = data.display_name;
				dn.input.value = data.display_name || '';
				await api.refresh();
				await api.call('GET', '/posts?per_page=1');
				say(data.display_name ? `Your pages now show “${data.display_name}”.` :
				    'Your pages now show your username.', 'ok');
			} catch (e2) {
				err.textContent = e2.message;
			}
		} },
	    dn.row, err, h('button', { type: 'submit', class: 'primary', text: 'Save display name' }));
}

export function renderAccount(main, ctx) {
	const cur = field('Current password', 'input', { type: 'password', required: true, autocomplete: 'current-password' });
	const next = field('New password', 'input', { type: 'password', required: true, minlength: 10,
	    autocomplete: 'new-password' }, 'At least 10 characters.');
	const again = field('New password again', 'input', { type: 'password', required: true, autocomplete: 'new-password' });
	const err = h('p', { class: 'error', role: 'alert' });
	const form = h('form', { class: 'stack-form', 'aria-labelledby': 'pw-h',
		onsubmit: async (e) => {
			e.preventDefault();
			err.textContent = '';
			if (next.input.value !== again.input.value) {
				err.textContent = 'The two new passwords differ.';
				again.input.focus();
				return;
			}
			try {
				await api.call('PATCH', `/auth/users/${ctx.me.id}`, { json: {
				    current_password: cur.input.value, password: next.input.value } });
				/* Auth ended every session of this user, this one too: sign in again with the new password. */
				await api.login(ctx.me.username, next.input.value);
				form.reset();
				say('Password changed. Every other session has been signed out.', 'ok');
			} catch (e2) {
				err.textContent = e2.code === 'invalid_credentials' ? 'The current password is wrong.' : e2.message;
			}
		} },
	    cur.row, next.row, again.row, err, h('button', { type: 'submit', class: 'primary', text: 'Change password' }));

	main.replaceChildren(
	    h('div', { class: 'screen-head' }, h('h1', { text: 'Account' })),
	    h('p', {}, 'Signed in as ', h('strong', { text: ctx.me.username }), ` (${ctx.me.role}).`),
	    h('section', { class: 'panel' }, h('h2', { id: 'dn-h', text: 'Display name' }), displayNameForm(ctx)),
	    h('section', { class: 'panel' }, h('h2', { id: 'pw-h', text: 'Change your password' }), form),
	    h('section', { class: 'panel' }, h('h2', { text: 'Sessions' }),
		h('p', { text: 'Sign out on every browser and device where you are signed in, this one too.' }),
		h('button', { type: 'button', class: 'danger', text: 'Log out everywhere', onclick: async () => {
			if (!await confirmAction('Log out everywhere?', 'Every session of yours ends, this one too.', 'Log out everywhere'))
				return;
			try {
				await api.call('POST', '/auth/logout/all');
			} catch (e) {
				say(e.message, 'error');
				return;
			}
			await api.logout();
			location.hash = '#/posts';
			location.reload();
		} })));
}
