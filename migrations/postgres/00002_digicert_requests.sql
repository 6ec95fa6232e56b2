-- +goose Up

-- The requests made to DigiCert's API by every portal process sharing
-- this database, for the client's rate windows (store/digicert_budget.go):
-- DigiCert limits each API key, not each process. Rows live as long as
-- the longest window counts them, a few minutes; times are microseconds
-- since 1970 by the server's clock, the one clock every process shares.
-- No SQLite counterpart: on SQLite one process uses the database, and its
-- client counts its own requests.
CREATE TABLE digicert_requests (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    class       text COLLATE "C" NOT NULL,
    admitted_at bigint NOT NULL,
    -- NULL while the request is in flight.
    ended_at    bigint
);

-- +goose Down
DROP TABLE digicert_requests;
