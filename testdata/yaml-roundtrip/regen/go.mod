module v3probe

go 1.22

require gopkg.in/yaml.v3 v3.0.1

replace gopkg.in/yaml.v3 => github.com/colega/go-yaml-yaml v0.0.0-20220720070545-aaba007ebc22
