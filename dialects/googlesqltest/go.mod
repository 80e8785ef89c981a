module github.com/idstitch/idstitch/dialects/googlesqltest

go 1.26.8

require (
	github.com/goccy/go-googlesql v0.4.0
	github.com/idstitch/idstitch v0.0.0
)

require (
	github.com/goccy/googlesqlwasm2go v0.2.0 // indirect
	github.com/robfig/cron/v3 v3.0.1 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
)

replace github.com/idstitch/idstitch => ../..
