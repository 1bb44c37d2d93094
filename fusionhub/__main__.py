from fusionhub.cli.main import main

main()
