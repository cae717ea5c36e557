-- changes: how many changes of the reader site's pages were made, counted by
-- the statement that tells every node's Post which pages to delete (NOTIFY
-- quire_site, fcgi/post/site_nodes.c). A node that was not listening sees
-- its own count differ after it connects, and deletes all its pages.
ALTER TABLE post.site_state ADD COLUMN changes bigint NOT NULL DEFAULT 0;
