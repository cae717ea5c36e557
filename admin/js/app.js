/*
 * app: start-up, the session, the navigation and the router.
 * Screens live in their own modules; each exports render(main, ctx) and
 * may return a function called when the screen is left.
 */
import * as api from './api.js';
import { h, say } from './dom.js';
import { renderLogin } from './login.js';
import { renderPosts } from './posts.js';
import { renderEditor } from './editor.js';
import { renderMedia } from './media.js';
import { renderUsers } from './users.js';
import { renderAccount } from './account.js';
import { renderSettings } from './settings.js';

/* The signed-in user ({id, username, role}) and what the APIs offer. */
export const ctx = {
	me: null,
	features: { preview: null },
	isAdmin() { return this.me && this.me.role === 'admin'; },
	isEditor() { return this.me && (this.me.role === 'editor' || this.me.role === 'admin'); },
};

/* Routes: hash patterns to screens; admin: only admins see them. */
const routes = [
	{ re: /^#\/posts\/?$/, screen: renderPosts, nav: 'posts' },
	{ re: /^#\/new$/, screen: (m) => renderEditor(m, ctx, null), nav: 'posts' },
	{ re: /^#\/posts\/([0-9a-f-]{36})$/, screen: (m, c, id) => renderEditor(m, c, id), nav: 'posts' },
	{ re: /^#\/media\/?$/, screen: renderMedia, nav: 'media' },
	{ re: /^#\/users\/?$/, screen: renderUsers, nav: 'users', admin: true },
	{ re: /^#\/settings\/?$/, screen: renderSettings, nav: 'settings', admin: true },
	{ re: /^#\/account\/?$/, screen: renderAccount, nav: 'account' },
];

const navItems = [
	{ key: 'posts', href: '#/posts', text: 'Posts' },
	{ key: 'media', href: '#/media', text: 'Media' },
	{ key: 'users', href: '#/users', text: 'Users', admin: true },
	{ key: 'settings', href: '#/settings', text: 'Settings', admin: true },
	{ key: 'account', href: '#/account', text: 'Account' },
];

let leave = null;	/* the current screen's clean-up (an editor keeps its text) */

function drawNav(current) {
	const nav = document.getElementById('nav');
	nav.replaceChildren(...navItems
	    .filter((i) => !i.admin || ctx.isAdmin())
	    .map((i) => h('li', {}, h('a', { href: i.href, text: i.text,
		'aria-current': i.key === current ? 'page' : null }))));
	document.getElementById('who').textContent = `${ctx.me.username} · ${ctx.me.role}`;
	document.getElementById('bar').hidden = false;
}

/* Draws the screen of the current hash. */
async function route() {
	const main = document.getElementById('main');
	if (!ctx.me) {
		document.getElementById('bar').hidden = true;
		if (leave)
			leave();
		leave = null;
		renderLogin(main, signedIn);
		return;
	}
	if (!location.hash || location.hash === '#' || location.hash === '#/') {
		location.replace('#/posts');
		return;
	}
	let match = null, r = null;
	for (r of routes)
		if ((match = location.hash.match(r.re)))
			break;
	if (leave)
		leave();
	leave = null;
	if (!match) {
		drawNav('');
		main.replaceChildren(h('h1', { text: 'Not found' }),
		    h('p', {}, 'Nothing lives at this address. ', h('a', { href: '#/posts', text: 'Back to the posts' })));
		return;
	}
	drawNav(r.nav);
	if (r.admin && !ctx.isAdmin()) {
		main.replaceChildren(h('h1', { text: 'Not for your role' }),
		    h('p', { text: 'Only administrators manage users and site settings.' }));
		focusMain(main);
		return;
	}
	main.replaceChildren();
	try {
		leave = await r.screen(main, ctx, match[1]) || null;
	} catch (e) {
		main.replaceChildren(h('h1', { text: 'Something went wrong' }), h('p', { class: 'error', text: e.message }));
	}
	focusMain(main);
}

/* Moves focus to the new screen's heading, so a screen reader hears it. */
function focusMain(main) {
	const h1 = main.querySelector('h1');
	if (h1) {
		h1.tabIndex = -1;
		h1.focus({ preventScroll: true });
	}
}

async function loadMe() {
	const { data } = await api.call('GET', '/auth/me');
	ctx.me = data;
}

/* After a login: who am I, then the screen asked for. */
async function signedIn() {
	await loadMe();
	route();
}

async function logout() {
	if (leave)
		leave();
	leave = null;
	await api.logout();
	ctx.me = null;
	say('Logged out.');
	route();
}

window.addEventListener('hashchange', route);

api.onSessionEnded(() => {
	ctx.me = null;
	say('Your session has ended. Sign in again: unsaved text is kept in this browser.', 'error');
	route();
});

async function boot() {
	document.getElementById('logout').addEventListener('click', logout);
	/* The skip link moves focus; it must not change the hash, which is the route. */
	document.querySelector('.skip').addEventListener('click', (e) => {
		e.preventDefault();
		focusMain(document.getElementById('main'));
	});
	/* A reload keeps the session: the refresh cookie gives a new access token. */
	try {
		if (await api.refresh())
			await loadMe();
	} catch {
		ctx.me = null;
	}
	route();
}

boot();
