"""What every service shares at run time: settings, logging, health, metrics, errors."""
