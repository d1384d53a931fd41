"""The verification station (`dossier serve`): reviewers see each finding beside the crop of
its page region, correct misread values, settle findings and leads, and the dossier is judged
again. Users and roles (`dossier user`) live in the same database as everything else."""
