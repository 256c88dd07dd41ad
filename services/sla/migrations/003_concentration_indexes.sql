-- Concentration detection at a constant cost per appeal (see the README, "Concentrated appeals").

-- Counting same-place appeals inside the window when no cluster is open for the place.
CREATE INDEX accepted_appeals_place ON accepted_appeals (category, district, accepted_at);
-- Similar-text candidates are prefiltered by shingle overlap (shingles && $prefix).
CREATE INDEX accepted_appeals_shingles ON accepted_appeals USING gin (shingles);

-- An open cluster is found by its rule and place and the span of its members' acceptance
-- times; a similar-text cluster keeps its opening member's shingles as its representative.
ALTER TABLE clusters
    ADD COLUMN first_member_at timestamptz,
    ADD COLUMN representative  int[];

UPDATE clusters c
   SET first_member_at = coalesce(
           (SELECT min(a.accepted_at) FROM cluster_members m JOIN accepted_appeals a USING (appeal_id)
             WHERE m.cluster_id = c.cluster_id), c.opened_at),
       last_member_at = greatest(c.last_member_at,
           (SELECT max(a.accepted_at) FROM cluster_members m JOIN accepted_appeals a USING (appeal_id)
             WHERE m.cluster_id = c.cluster_id));
-- Existing similar-text clusters: the member accepted when the cluster opened, else any member.
UPDATE clusters c
   SET representative = (SELECT a.shingles FROM cluster_members m JOIN accepted_appeals a USING (appeal_id)
                          WHERE m.cluster_id = c.cluster_id
                          ORDER BY (a.accepted_at = c.opened_at) DESC, a.accepted_at DESC LIMIT 1)
 WHERE c.rule = 'similar_text';
ALTER TABLE clusters ALTER COLUMN first_member_at SET NOT NULL;

CREATE INDEX clusters_open ON clusters (rule, category, district, last_member_at);
CREATE INDEX clusters_open_any_place ON clusters (rule, last_member_at);
