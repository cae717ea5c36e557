/* posts: the list of posts, with a status filter, search and pages. */
import * as api from './api.js';
import { h, field, when, newId, pager } from './dom.js';
import { hasDraft } from './drafts.js';

const PER_PAGE = 20;
const FILTERS = [
	['any', 'All'],
	['draft', 'Drafts'],
	['scheduled', 'Scheduled'],
	['published', 'Published'],
];

const KINDS = [
	['post', 'Posts'],
	['page', 'Pages'],
];

/* The list's state survives going into a post and back. */
const state = { status: 'any', kind: 'post', q: '', page: 1 };

/* A segmented control of radio buttons: legend, [value, text] pairs, the current value, onchange(value). */
function segmented(legend, choices, current, onchange) {
	const name = newId('seg');
	return h('fieldset', { class: 'segmented' },
	    h('legend', { text: legend }),
	    choices.map(([value, text]) => {
		const id = newId('sg');
		return h('span', {},
		    h('input', { type: 'radio', name, id, value, checked: current === value,
			onchange: () => onchange(value) }),
		    h('label', { for: id, text }));
	    }));
}

export function renderPosts(main, ctx) {
	const table = h('div', { class: 'table-wrap' });
	const nav = h('nav', { class: 'pager', 'aria-label': 'Pages of posts' });
	const count = h('p', { class: 'muted count', 'aria-live': 'polite' });

	const kinds = segmented('Kind', KINDS, state.kind, (value) => { state.kind = value; state.page = 1; load(); });
	const filter = segmented('Show', FILTERS, state.status, (value) => { state.status = value; state.page = 1; load(); });
	const search = field('Search', 'input', { type: 'search', value: state.q,
	    placeholder: 'Words in the title or text' });
	let timer = null;
	search.input.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(() => { state.q = search.input.value.trim(); state.page = 1; load(); }, 300);
	});

	main.replaceChildren(
	    h('div', { class: 'screen-head' },
		h('h1', { text: 'Posts' }),
		h('a', { class: 'button primary', href: '#/new', text: 'New post' })),
	    h('div', { class: 'filters' }, kinds, filter, search.row),
	    count, table, nav);

	async function load() {
		const p = new URLSearchParams({ page: state.page, per_page: PER_PAGE });
		p.set('status', state.status);
		p.set('kind', state.kind);
		/* Published posts are everyone's: an author's desk lists their own. */
		if (state.status === 'published' && !ctx.isEditor())
			p.set('author', ctx.me.id);
		if (state.q)
			p.set('q', state.q);
		table.setAttribute('aria-busy', 'true');
		try {
			const { data } = await api.call('GET', `/posts?${p}`);
			draw(data);
		} catch (e) {
			table.replaceChildren(h('p', { class: 'error', text: e.message }));
		} finally {
			table.removeAttribute('aria-busy');
		}
	}

	function draw(data) {
		const pages = Math.max(1, Math.ceil(data.total / data.per_page));
		const noun = state.kind === 'page' ? 'page' : 'post';
		count.textContent = data.total === 1 ? `1 ${noun}` : `${data.total} ${noun}s`;
		if (data.items.length === 0) {
			table.replaceChildren(h('p', { class: 'empty', text: state.q
			    ? `No ${noun} matches this search.` : `No ${noun}s here yet.` }));
			nav.replaceChildren();
			return;
		}
		table.replaceChildren(h('table', { class: 'posts' },
		    h('caption', { class: 'sr-only', text: state.kind === 'page' ? 'Pages' : 'Posts' }),
		    h('thead', {}, h('tr', {},
			h('th', { scope: 'col', text: 'Title' }),
			h('th', { scope: 'col', text: 'Status' }),
			h('th', { scope: 'col', text: 'Tags' }),
			h('th', { scope: 'col', text: 'Author' }),
			h('th', { scope: 'col', text: 'Updated' }))),
		    h('tbody', {}, data.items.map((post) => h('tr', {},
			h('td', {}, h('a', { href: `#/posts/${post.id}`, text: post.title || '(untitled)' }),
			    post.kind === 'page' ? h('span', { class: 'badge page', text: 'Page' }) : null,
			    hasDraft(ctx.me.id, post.id) ? h('span', { class: 'badge local', text: 'unsaved edits' }) : null,
			    h('div', { class: 'slug', text: `/${post.slug}` })),
			h('td', {}, statusBadge(post)),
			h('td', {}, h('ul', { class: 'tags' }, (post.tags || []).map((t) => h('li', { text: t })))),
			h('td', { text: post.author_name || '' }),
			h('td', {}, h('time', { datetime: post.updated_at, text: when(post.updated_at) })))))));
		pager(nav, state.page, pages, (n) => { state.page = n; load(); });
	}

	load();
}

/* A status as a badge, with the date a scheduled post goes out. */
export function statusBadge(post) {
	const text = post.status === 'scheduled'
	    ? `Scheduled · ${when(post.published_at)}`
	    : post.status === 'published' ? 'Published' : 'Draft';
	return h('span', { class: `badge ${post.status}`, text });
}
