-- Concentration by similarity (see the README, "Concentrated appeals"): appeals are grouped by
-- problem (near-duplicate text in one district, MinHash LSH buckets); a group that reaches the
-- rules' min_members becomes a cluster. The former tables `clusters` and `cluster_members`
-- keep what the former rules (counts per category and district) found; nothing writes them now.

CREATE TABLE problem_groups (
    group_id        uuid        PRIMARY KEY,
    category        text        NOT NULL,  -- of its first member
    district        text        NOT NULL,
    first_member_at timestamptz NOT NULL,
    last_member_at  timestamptz NOT NULL,
    open_until      timestamptz NOT NULL,  -- takes no member accepted later than this
    member_count    int         NOT NULL,  -- a counter: joining never reads the members
    concentrated_at timestamptz,           -- NULL: a candidate; set: a cluster
    rules_version   text        NOT NULL,
    bands_pruned    boolean     NOT NULL DEFAULT false
);
-- Closed groups whose buckets are still filed, oldest first: each run prunes a few.
CREATE INDEX problem_groups_to_prune ON problem_groups (open_until) WHERE NOT bands_pruned;
CREATE INDEX problem_groups_clusters ON problem_groups (concentrated_at) WHERE concentrated_at IS NOT NULL;

-- LSH buckets: a group is filed under the bands of its exemplars; newest groups first per bucket.
CREATE TABLE problem_group_bands (
    band_key  bigint      NOT NULL,
    group_id  uuid        NOT NULL REFERENCES problem_groups,
    opened_at timestamptz NOT NULL,
    PRIMARY KEY (band_key, group_id)
);
CREATE INDEX problem_group_bands_newest ON problem_group_bands (band_key, opened_at DESC);
CREATE INDEX problem_group_bands_group ON problem_group_bands (group_id);

-- The first members' hashed bigrams (never the text), which new appeals are compared with.
CREATE TABLE problem_group_exemplars (
    group_id  uuid  NOT NULL REFERENCES problem_groups,
    appeal_id uuid  NOT NULL,
    shingles  int[] NOT NULL,
    PRIMARY KEY (group_id, appeal_id)
);

CREATE TABLE problem_group_members (
    group_id  uuid NOT NULL REFERENCES problem_groups,
    appeal_id uuid NOT NULL,
    PRIMARY KEY (group_id, appeal_id)
);
CREATE INDEX problem_group_members_appeal ON problem_group_members (appeal_id);

-- The former rules' indexes served only them; the profile keeps its flags (early reminder, key
-- supervision) and no longer its bigrams (new rows store an empty array).
DROP INDEX IF EXISTS accepted_appeals_place;
DROP INDEX IF EXISTS accepted_appeals_shingles;
