/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mockbroker - librdkafka's mock cluster on loopback, for the tests.
 *
 * Usage: mockbroker TOPIC PARTITIONS [TOPIC PARTITIONS ...]
 * Creates the topics, prints the bootstrap address on stdout, and runs
 * until stdin is closed or it is killed.  The mock cluster is a real
 * Kafka-protocol broker inside this process (rd_kafka_mock_cluster_new),
 * bound to 127.0.0.1 only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

int
main(int argc, char *argv[])
{
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	char err[256], c;
	int i;

	if (argc < 3 || argc % 2 != 1) {
		fprintf(stderr, "usage: mockbroker TOPIC PARTITIONS ...\n");
		return 64;
	}
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK) {
		fprintf(stderr, "mockbroker: %s\n", err);
		return 70;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (rk == NULL) {
		fprintf(stderr, "mockbroker: %s\n", err);
		return 70;
	}
	if ((mc = rd_kafka_mock_cluster_new(rk, 1)) == NULL) {
		fprintf(stderr, "mockbroker: cannot start the mock cluster\n");
		return 70;
	}
	for (i = 1; i + 1 < argc; i += 2)
		if (rd_kafka_mock_topic_create(mc, argv[i], atoi(argv[i + 1]),
		    1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(stderr, "mockbroker: cannot create %s\n",
			    argv[i]);
			return 70;
		}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
