/* revisions: the versions of a post, each compared with the text in the editor, and restored. */
import * as api from './api.js';
import { h, when, modal } from './dom.js';
import { diffView } from './diff.js';

/*
 * Opens the revisions of post; current is the editor's text. Resolves the
 * revision to restore into the editor, or null.
 */
export async function showRevisions(post, current) {
	let items;
	try {
		items = (await api.call('GET', `/posts/${post.id}/revisions?per_page=100`)).data.items;
	} catch (e) {
		return modal('Revisions', (close) => h('div', {}, h('p', { class: 'error', text: e.message }),
		    h('div', { class: 'actions' }, h('button', { type: 'button', text: 'Close', onclick: () => close(null) }))));
	}
	return modal(`Revisions of “${post.title}”`, (close) => {
		const detail = h('div', { class: 'rev-detail', 'aria-live': 'polite' });
		const list = h('ul', { class: 'rev-list' });
		const show = (rev, button) => {
			for (const b of list.querySelectorAll('button'))
				b.setAttribute('aria-pressed', String(b === button));
			detail.replaceChildren(
			    h('h3', { text: `Version ${rev.version}` }),
			    h('p', { class: 'muted', text: `${rev.status} · ${when(rev.created_at)}` }),
			    rev.title !== current.title
				? h('p', {}, 'Title: ', h('del', { text: rev.title }), ' → ', h('ins', { text: current.title }))
				: h('p', {}, 'Title: ', h('span', { text: rev.title })),
			    h('p', { class: 'muted small', text: 'Changes from this version to the text in the editor:' }),
			    diffView(rev.body, current.body, [`version ${rev.version}`, 'the editor']),
			    h('div', { class: 'actions' },
				h('button', { type: 'button', class: 'primary', text: `Restore version ${rev.version}`,
				    onclick: () => close(rev) })));
		};
		for (const rev of items) {
			const b = h('button', { type: 'button', class: 'rev', 'aria-pressed': 'false',
			    onclick: () => show(rev, b) },
			    h('strong', { text: `Version ${rev.version}` }), ' ',
			    h('span', { class: 'muted', text: `${rev.status} · ${when(rev.created_at)}` }));
			list.append(h('li', {}, b));
		}
		if (items.length)
			queueMicrotask(() => show(items[0], list.querySelector('button')));
		return h('div', {},
		    h('p', { class: 'muted', text: 'Restoring puts that version in the editor; nothing changes until you save.' }),
		    h('div', { class: 'revisions' }, list, detail),
		    h('div', { class: 'actions' }, h('button', { type: 'button', text: 'Close', onclick: () => close(null) })));
	}, { wide: true });
}
