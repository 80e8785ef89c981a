{{/* cc_seed: the start of composing contraction's maps: the representatives of the last round's map Map, as
     they are. */}}
SELECT v, rep FROM {{work .Map}}
