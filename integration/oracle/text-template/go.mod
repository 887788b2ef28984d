module deployer.test/oracle/text-template

go 1.22
