DROP TABLE catalogue_counts;
