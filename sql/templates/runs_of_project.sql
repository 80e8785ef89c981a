{{/* runs_of_project: how many runs of project Project the runs table records; an earlier install whose runs
     vouch for it has its tables adopted into the registry. */}}
SELECT COUNT(*) FROM {{out "runs"}} WHERE project = {{str .Project}}
