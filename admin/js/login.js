/* login: the sign-in screen. */
import * as api from './api.js';
import { h, field } from './dom.js';

/* Draws the form; calls done() once signed in. */
export function renderLogin(main, done) {
	const user = field('Username', 'input', { name: 'username', autocomplete: 'username',
	    required: true, autocapitalize: 'none', spellcheck: 'false' });
	const pass = field('Password', 'input', { name: 'password', type: 'password',
	    autocomplete: 'current-password', required: true });
	const error = h('p', { class: 'error', id: 'login-error', role: 'alert' });
	const submit = h('button', { type: 'submit', class: 'primary', text: 'Sign in' });
	const form = h('form', { class: 'login-form', 'aria-describedby': 'login-error',
		onsubmit: async (e) => {
			e.preventDefault();
			error.textContent = '';
			submit.disabled = true;
			try {
				await api.login(user.input.value.trim(), pass.input.value);
				pass.input.value = '';
				await done();
			} catch (err) {
				error.textContent = err.code === 'invalid_credentials'
				    ? 'Wrong username or password.'
				    : err.code === 'too_many_attempts'
				    ? 'Too many failed attempts for this username. Wait a few minutes and try again.'
				    : err.message;
				pass.input.focus();
			} finally {
				submit.disabled = false;
			}
		} },
	    user.row, pass.row, error, submit);
	main.replaceChildren(h('div', { class: 'login' },
	    h('h1', { text: 'Sign in to Quire' }),
	    h('p', { class: 'muted', text: 'The writer’s desk.' }),
	    form));
	user.input.focus();
}
