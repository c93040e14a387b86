from media_pub.cli import main

main()
