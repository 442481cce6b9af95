"""Detection's pages: the inbox and a detection's page (`detections`), the rules and the builder (`rules`)."""
