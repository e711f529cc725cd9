"""The game's side of a class: joining a class server, sending attempts and quiz answers (through the local
outbox, so nothing is lost without a network), and the offline results file. No pygame here."""
