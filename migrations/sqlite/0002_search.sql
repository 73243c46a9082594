-- User search: an FTS5 trigram index over username and display name finds
-- names that contain the query anywhere (for queries of 3+ characters);
-- shorter queries use the username's own unique index as a prefix range.
CREATE VIRTUAL TABLE users_search USING fts5(
    username, display_name,
    content = 'users', content_rowid = 'id',
    tokenize = 'trigram'
);
INSERT INTO users_search (users_search) VALUES ('rebuild');

CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, username, display_name)
    VALUES (new.id, new.username, new.display_name);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, username, display_name)
    VALUES ('delete', old.id, old.username, old.display_name);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF username, display_name ON users BEGIN
    INSERT INTO users_search (users_search, rowid, username, display_name)
    VALUES ('delete', old.id, old.username, old.display_name);
    INSERT INTO users_search (rowid, username, display_name)
    VALUES (new.id, new.username, new.display_name);
END;
