from airpicture.cli.main import entry

entry()
