"""dossierflow: reads professional-title application dossiers and checks them against policy."""

__version__ = "0.1.0"
