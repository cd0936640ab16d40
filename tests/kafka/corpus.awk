# corpus.awk - the corpus of tests/kafka-scale.bats: partitions 0-2 hold
# 300 events each (10 minutes, a 2-minute gap halfway, times up to 20 s
# out of order, keys k0-k4 shared by all, users of their own), partition
# 3 three events and then nothing (a quiet partition).  Usage:
# awk -v dir=DIR -f corpus.awk (writes DIR/in0 .. DIR/in3).
function ts(s) {
	return sprintf("2024-11-12T%02d:%02d:%02dZ", 10 + int(s / 3600),
	    int(s % 3600 / 60), s % 60)
}
BEGIN {
	srand(17)
	for (p = 0; p < 4; p++) {
		n = p == 3 ? 3 : 300
		for (i = 0; i < n; i++) {
			t = 2 * i + (i >= 150 ? 120 : 0) - int(rand() * 21)
			if (t < 0)
				t = 0
			printf "{\"ts\":\"%s\",\"k\":\"k%d\",\"u\":\"p%du%d\"," \
			    "\"v\":%d}\n", ts(t), (i * 7 + p) % 5, p, i % 3,
			    (i * 37 + p * 11) % 1000 > (dir "/in" p)
		}
	}
}
